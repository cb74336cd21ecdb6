// Compiles the project with tsc (the compiler users run, with decorator metadata) into
// build/ and runs one of its TypeScript entry points: `node scripts/run-ts.mjs examples/x.ts`.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [script, ...args] = process.argv.slice(2);
if (!script || !script.endsWith('.ts')) {
  console.error('usage: node scripts/run-ts.mjs <path/to/file.ts> [args...]');
  process.exit(2);
}
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
const compiled = join(root, 'build', script.replace(/\.ts$/, '.js'));
const result = spawnSync(process.execPath, [compiled, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
