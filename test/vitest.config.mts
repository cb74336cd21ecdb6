import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { configDefaults, defineConfig } from 'vitest/config';

// SWC compiles the tests the way tsc compiles users' code: legacy decorators with
// design:* metadata, so the suites exercise what users actually run.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  oxc: false,
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        target: 'es2022',
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // The 3-server cluster test still finds failures (docs/nats.md): partitions can stay
    // unowned after a server dies. It runs on its own with `npm run test:faults` until it
    // passes reliably; the short chaos suite (test/chaos) runs here.
    exclude: process.env.JETSTATE_FAULT_SUITES ? configDefaults.exclude : [...configDefaults.exclude, 'test/nats-failover/cluster.test.ts'],
    // Most suites wait on servers, child processes and timers rather than the CPU: two files
    // at a time (vitest's default is one less than the cores, one on a 2-core machine).
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
