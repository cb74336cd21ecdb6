// Builds the package: CommonJS with declarations into dist/, then an ESM entry that
// re-exports the CommonJS build, so `import` and `require` share one copy of the library
// (one set of decorator metadata, one error brand).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboard } from './build-dashboard.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'scripts/tsconfig.build.json')], { stdio: 'inherit' });

// One ESM entry per public CommonJS entry: the library, the NestJS module (a subpath
// export that alone loads @nestjs/*), and the ready-made aggregators.
for (const entry of ['dist/src/index', 'dist/src/nestjs/index', 'dist/src/aggregators/index']) {
  const names = Object.keys(createRequire(import.meta.url)(join(root, `${entry}.js`))).filter((name) => name !== '__esModule' && name !== 'default');
  writeFileSync(join(root, `${entry}.mjs`), `import lib from './index.js';\n\nexport const { ${names.join(', ')} } = lib;\nexport default lib;\n`);
  writeFileSync(join(root, `${entry}.d.mts`), `export * from './index.js';\n`);
  console.log(`built ${entry} (${names.length} runtime exports)`);
}

// The dashboard's page, type-checked (its own tsconfig: DOM, Preact's JSX), then bundled next
// to the module that serves it.
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'dashboard/tsconfig.json')], { stdio: 'inherit' });
console.log(`built the dashboard into ${await buildDashboard(join(root, 'dist/src/dashboard/assets'))}`);
