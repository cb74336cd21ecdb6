import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';

const ROOT = process.cwd();
const FIXTURES = join(ROOT, 'test/package/fixtures');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const execFileAsync = promisify(execFile);

/** Runs a command; on failure the error carries its output. */
async function run(command: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

/** Runs a consumer script with node and parses the JSON it prints last. */
async function runScript(cwd: string, script: string, dataDir: string): Promise<unknown> {
  const lines = (await run(process.execPath, [script, dataDir], cwd)).trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

/** A TypeScript consumer, compiled the way a NestJS-style project compiles (legacy decorators with metadata). */
const TYPED_CONSUMER = `import { DurableApp, Entity, Operation, type EntityHandle } from 'jetstate';

@Entity()
class Counter {
  value = 0;

  @Operation()
  add(amount: number): void {
    this.value += amount;
  }

  @Operation()
  get(): number {
    return this.value;
  }
}

// Never called: these lines only compile if the declarations carry real types, not \`any\`.
export function typeErrors(counter: EntityHandle<Counter>): void {
  // @ts-expect-error get() resolves to a number
  const text: Promise<string> = counter.call.get();
  // @ts-expect-error add takes a number
  void counter.signal.add('three');
  // @ts-expect-error Counter has no operation named reset
  void counter.signal.reset();
  void text;
}

async function main(): Promise<void> {
  const app = await DurableApp.create({ entities: [Counter], dataDir: process.argv[2], logger: { level: 'silent' } });
  await app.start();
  const counter = app.client.entity(Counter, 'k');
  await counter.signal.add(3);
  await counter.signal.add(4);
  const value: number = await counter.call.get();
  const state: Counter | undefined = (await counter.read()).entityState;
  await app.stop();
  console.log(JSON.stringify({ value, stateValue: state?.value, stateIsCounter: state instanceof Counter }));
}

void main();
`;

/**
 * The TypeScript consumers: a Nest app and TYPED_CONSUMER, each in a project of package type
 * `commonjs` and one of type `module`.
 */
const TYPESCRIPT_CONSUMERS = ['nest-commonjs', 'nest-module', 'typed-commonjs', 'typed-module'] as const;

/**
 * One tsc run for every TypeScript consumer (a type check loads the package's declarations,
 * Node's and Nest's once instead of once per consumer). Each `main.ts` is compiled next to
 * itself: with module nodenext the package.json of its folder decides whether tsc emits an
 * ES module or CommonJS, as it does in a project of its own.
 */
function typedConsumersConfig(): string {
  return JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        // Check the package's declarations too, not only the consumer's code.
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        rootDir: '.',
      },
      files: TYPESCRIPT_CONSUMERS.map((name) => `${name}/main.ts`),
    },
    null,
    2,
  );
}

describe('the package installed from npm pack', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let project: string;
  let packedFiles: string[];
  let nestInstalledWithJetstate = true;
  let otelInstalledWithJetstate = true;
  let tarball: string;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/src/index.js'))) {
      throw new Error('dist/ is missing: run `npm run build` before this test (npm test does it).');
    }
    work = await tempDir('jetstate-package-');
    const packed = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', work.path], ROOT)) as {
      filename: string;
      files: { path: string }[];
    }[];
    packedFiles = packed[0]!.files.map((file) => file.path);

    project = join(work.path, 'consumer');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    tarball = join(work.path, packed[0]!.filename);
    await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], project);
    otelInstalledWithJetstate = existsSync(join(project, 'node_modules/@opentelemetry'));
    for (const fixture of ['esm-consumer.mjs', 'cjs-consumer.cjs', 'dual-load.mjs', 'nest-loading.mjs', 'otel-absent.mjs']) {
      await copyFile(join(FIXTURES, fixture), join(project, fixture));
    }
    // Nest is an optional peer: installing jetstate installs none of it. Then the consumer
    // adds Nest, as a Nest app has it, at the versions jetstate is tested with.
    nestInstalledWithJetstate = existsSync(join(project, 'node_modules/@nestjs'));
    const dev = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
    await run(
      'npm',
      ['install', ...['@nestjs/common', '@nestjs/core'].map((name) => `${name}@${dev[name]}`), '--no-audit', '--no-fund', '--prefer-offline'],
      project,
    );
  }, 180_000);

  afterAll(async () => {
    await work?.remove();
  });

  it('contains the compiled library with a type declaration for every module, and no sources or tests', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'dist/src/index.mjs',
        'dist/src/index.d.mts',
        'dist/decorators/index.js',
        'dist/decorators/index.d.ts',
        'dist/src/nestjs/index.js',
        'dist/src/nestjs/index.d.ts',
        'dist/src/nestjs/index.mjs',
        'dist/src/nestjs/index.d.mts',
      ]),
    );
    // The dashboard's bundle is a browser script served as a file, not a module to import.
    const browserAssets = (file: string): boolean => file.startsWith('dist/src/dashboard/assets/');
    expect(packedFiles.filter(browserAssets)).toEqual(expect.arrayContaining(['dist/src/dashboard/assets/app.js', 'dist/src/dashboard/assets/app.css']));
    const withoutDeclaration = packedFiles.filter(
      (file) => file.endsWith('.js') && !browserAssets(file) && !packedFiles.includes(file.replace(/\.js$/, '.d.ts')),
    );
    expect(withoutDeclaration).toEqual([]);
    const outsideDist = packedFiles.filter((file) => !file.startsWith('dist/') && !/^(package\.json|README\.md|LICENSE(\.\w+)?)$/.test(file));
    expect(outsideDist).toEqual([]);
  });

  const consumerResult = {
    value: 7,
    read: { entityExists: true, entityState: { value: 7 }, backlogQueueSize: 0, lastModifiedTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) },
    stateIsCounter: true,
    failure: { name: 'OperationFailedError', code: 'JETSTATE_OPERATION_FAILED', isJetstateError: true, isOperationFailed: true, isOutsideOperation: false },
    outside: { name: 'OutsideOperationError', code: 'JETSTATE_OUTSIDE_OPERATION', isJetstateError: true, isOperationFailed: false, isOutsideOperation: true },
  };

  it('works through import from an ES module', async () => {
    expect(await runScript(project, 'esm-consumer.mjs', join(work.path, 'esm-data'))).toEqual(consumerResult);
  });

  it('works through require from a CommonJS module', async () => {
    expect(await runScript(project, 'cjs-consumer.cjs', join(work.path, 'cjs-data'))).toEqual(consumerResult);
  });

  it('loads one copy of the library through import and require, so decorators and instanceof work across them', async () => {
    const only = (name: string) => ({
      JetstateError: true,
      InvalidEntityIdError: name === 'InvalidEntityIdError',
      InvalidOptionsError: name === 'InvalidOptionsError',
      AppStoppedError: false,
    });
    expect(await runScript(project, 'dual-load.mjs', join(work.path, 'dual-data'))).toEqual({
      sameDurableApp: true,
      sameJetstateError: true,
      value: 4,
      fromRequire: { name: 'InvalidEntityIdError', inImport: only('InvalidEntityIdError'), inRequire: only('InvalidEntityIdError') },
      fromImport: { name: 'InvalidOptionsError', inImport: only('InvalidOptionsError'), inRequire: only('InvalidOptionsError') },
    });
  });

  it('installs nothing from Nest with jetstate (optional peer dependencies)', () => {
    expect(nestInstalledWithJetstate).toBe(false);
  });

  it('installs no OpenTelemetry package with jetstate, and runs through import and require without @opentelemetry/api', async () => {
    expect(otelInstalledWithJetstate).toBe(false);
    expect(await runScript(project, 'otel-absent.mjs', join(work.path, 'otel-absent-data'))).toEqual({ apiResolvable: false, sameDurableApp: true, value: 2 });
  });

  it('finds @opentelemetry/api when the app installs it with an SDK, and traces from a CommonJS app', async () => {
    const dir = join(work.path, 'otel-consumer');
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'otel-consumer', version: '1.0.0', private: true }));
    const dev = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
    const otel = ['@opentelemetry/api', '@opentelemetry/sdk-trace', '@opentelemetry/context-async-hooks'].map((name) => `${name}@${dev[name]}`);
    await run('npm', ['install', tarball, ...otel, '--no-audit', '--no-fund', '--prefer-offline'], dir);
    await copyFile(join(FIXTURES, 'otel-consumer.cjs'), join(dir, 'otel-consumer.cjs'));
    expect(await runScript(dir, 'otel-consumer.cjs', join(work.path, 'otel-consumer-data'))).toEqual({ signal: true, processed: true, linked: true });
  }, 180_000);

  /** Loads `entry` with `how` in a fresh process and reports the @nestjs modules it requested. */
  async function load(how: 'require' | 'import', entry: string): Promise<{ nest: string[]; exports: string[]; sameDurableApp: boolean }> {
    const lines = (await run(process.execPath, ['nest-loading.mjs', how, entry], project)).trim().split('\n');
    return JSON.parse(lines[lines.length - 1]!);
  }

  it.each(['require', 'import'] as const)('loads no @nestjs module through %s of jetstate, even with Nest installed', async (how) => {
    expect((await load(how, 'jetstate')).nest).toEqual([]);
  });

  it.each(['require', 'import'] as const)('loads jetstate/nestjs through %s, sharing one copy of the library with jetstate', async (how) => {
    const loaded = await load(how, 'jetstate/nestjs');
    // The recorder does see Nest when it is loaded, so the checks above can fail.
    expect(loaded.nest).toEqual(expect.arrayContaining(['@nestjs/common', '@nestjs/core']));
    expect(loaded.exports).toEqual(['DurableApp', 'DurableClient', 'JetstateModule']);
    expect(loaded.sameDurableApp).toBe(true);
  });

  let typescriptCompiled: Promise<void> | undefined;
  /** Writes the TypeScript consumers and compiles them (once, for whichever test asks first). */
  function compileTypescriptConsumers(): Promise<void> {
    typescriptCompiled ??= (async () => {
      for (const name of TYPESCRIPT_CONSUMERS) {
        const dir = join(project, name);
        await mkdir(dir);
        await writeFile(join(dir, 'package.json'), JSON.stringify({ type: name.endsWith('-module') ? 'module' : 'commonjs' }));
        if (name.startsWith('nest-')) await copyFile(join(FIXTURES, 'nest-consumer.ts'), join(dir, 'main.ts'));
        else await writeFile(join(dir, 'main.ts'), TYPED_CONSUMER);
      }
      await writeFile(join(project, 'tsconfig.typescript-consumers.json'), typedConsumersConfig());
      await run(process.execPath, [TSC, '-p', 'tsconfig.typescript-consumers.json'], project);
    })();
    return typescriptCompiled;
  }

  it.each(['commonjs', 'module'] as const)('type-checks and runs a Nest app compiled by tsc as %s, with jetstate/nestjs', async (type) => {
    await compileTypescriptConsumers();
    const dir = join(project, `nest-${type}`);
    const emitted = await readFile(join(dir, 'main.js'), 'utf8');
    expect(emitted).toMatch(type === 'commonjs' ? /require\("jetstate\/nestjs"\)/ : /from 'jetstate\/nestjs';$/m);
    expect(await runScript(dir, 'main.js', join(work.path, `nest-${type}-data`))).toEqual({ usd: 6 });
  });

  /** Compiles TYPED_CONSUMER in a project of package type `type` (with the other TypeScript consumers) and runs it. */
  async function compileAndRunTyped(type: 'module' | 'commonjs'): Promise<{ emitted: string; result: unknown }> {
    await compileTypescriptConsumers();
    const dir = join(project, `typed-${type}`);
    const emitted = await readFile(join(dir, 'main.js'), 'utf8');
    return { emitted, result: await runScript(dir, 'main.js', join(work.path, `typed-${type}-data`)) };
  }

  it('type-checks and runs a TypeScript ES module consumer compiled with module nodenext', async () => {
    const { emitted, result } = await compileAndRunTyped('module');
    expect(emitted).toMatch(/^import \{[^}]*\} from 'jetstate';$/m);
    expect(result).toEqual({ value: 7, stateValue: 7, stateIsCounter: true });
  });

  it('type-checks and runs a TypeScript CommonJS consumer compiled with module nodenext', async () => {
    const { emitted, result } = await compileAndRunTyped('commonjs');
    expect(emitted).toMatch(/require\("jetstate"\)/);
    expect(result).toEqual({ value: 7, stateValue: 7, stateIsCounter: true });
  });
});
