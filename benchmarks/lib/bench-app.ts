import { DurableApp } from '../../src/index';
import { Counter } from '../fixtures/counter.entity';
import { withTempDir } from './temp-dir';

/**
 * Runs `fn` against a started app hosting {@link Counter} with default settings (durability
 * 'strict': one fsync per group commit) in a fresh data directory, then stops it and
 * removes the directory.
 */
export async function withBenchApp<T>(label: string, fn: (app: DurableApp) => Promise<T>): Promise<T> {
  return withTempDir(label, async (dataDir) => {
    const app = await DurableApp.create({ entities: [Counter], dataDir, logger: { level: 'silent' } });
    await app.start();
    try {
      return await fn(app);
    } finally {
      await app.stop();
    }
  });
}
