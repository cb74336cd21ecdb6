import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { configDefaults, defineConfig } from 'vitest/config';

// SWC compiles the tests the way tsc compiles users' code: legacy decorators with
// design:* metadata, so the suites exercise what users actually run.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  oxc: false,
  plugins: [swc.vite({ jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false }, target: 'es2022' } })],
  test: {
    include: ['test/**/*.test.ts'],
    // The 3-server cluster test is not yet reliable on a loaded 2-core machine (partitions can
    // stay unowned after a server dies); it runs on its own with `npm run test:cluster`.
    exclude: process.env.JETSTATE_CLUSTER_TESTS ? configDefaults.exclude : [...configDefaults.exclude, 'test/nats-failover/cluster.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
