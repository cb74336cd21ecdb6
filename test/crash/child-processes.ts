import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach } from 'vitest';

/** Child processes a crash test started; any still running after a test is killed. */
export const running = new Set<ChildProcess>();
/** Cleanups to run after each test, in order. */
export const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Crash tests run their child as plain Node on tsc's output: fail clearly when it is missing. */
export function requireCompiled(path: string): void {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run \`npm run compile\` before this test (npm test does it).`);
  }
}
