import { vi } from 'vitest';

// Only for test files: vitest's helpers work inside a test run, and test/helpers.ts is also
// loaded by the chaos command-line program.

/** Resolves when `predicate` holds, polling with `vi.waitFor`; rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await predicate())) throw new Error(`condition not met within ${timeoutMs} ms`);
    },
    { timeout: timeoutMs, interval: 5 },
  );
}
