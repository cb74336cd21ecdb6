import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

/** Runs the real dependency-cruiser over `paths` (relative to `cwd`) with the project's rules. */
async function violations(cwd: string, paths: readonly string[]): Promise<Violation[]> {
  // depcruise exits non-zero when it finds violations; the JSON report is on stdout either way.
  const { stdout } = await promisify(execFile)(DEPCRUISE, [...paths, '--config', CONFIG, '--output-type', 'json'], { cwd, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout) throw new Error(`depcruise failed: ${error.stderr ?? String(error)}`);
      return { stdout: error.stdout };
    },
  );
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('the architecture rules (.dependency-cruiser.cjs)', () => {
  it('hold for the source tree: layers, no import cycles, NATS and LevelDB in their own modules, surfaces on the client', { timeout: 60_000 }, async () => {
    const found = await violations(ROOT, ['src', 'decorators']);
    expect(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('catch each kind of violation, naming the rule (a fixture tree that breaks every rule once)', { timeout: 60_000 }, async () => {
    const found = await violations(join(ROOT, 'test/architecture/fixtures'), ['src']);
    const byRule = new Map(found.map((v) => [v.rule.name, `${v.from} -> ${v.to}`]));
    expect(Object.fromEntries(byRule)).toEqual({
      'layer-runtime': 'src/runtime/upward.ts -> src/client/client-thing.ts',
      'no-cycle': expect.stringMatching(/^src\/registry\/cycle-[ab]\.ts -> src\/registry\/cycle-[ab]\.ts$/),
      'nats-client-in-nats-engine-only': expect.stringMatching(/^src\/client\/client-thing\.ts -> .*node_modules\/@nats-io\/transport-node\//),
      'leveldb-in-level-store-only': expect.stringMatching(/^src\/engine\/embedded\/uses-nats-engine\.ts -> .*node_modules\/level\//),
      'engines-apart': 'src/engine/embedded/uses-nats-engine.ts -> src/engine/nats/nats-thing.ts',
      'surfaces-use-the-client': 'src/http/reaches-engine.ts -> src/engine/nats/nats-thing.ts',
      'nestjs-on-app-and-client': 'src/nestjs/uses-runtime.ts -> src/runtime/upward.ts',
      'optional-peers-behind-subpaths': expect.stringMatching(/^src\/app\/uses-nest\.ts -> .*node_modules\/@nestjs\/common\//),
      'opentelemetry-in-telemetry-only': expect.stringMatching(/^src\/client\/uses-otel\.ts -> .*node_modules\/@opentelemetry\/api\//),
    });
  });
});
