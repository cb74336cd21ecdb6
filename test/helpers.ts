import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableApp, type DurableAppOptions } from '../src/index';

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'jetstate-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Creates and starts an app with a silent logger in `dataDir`. */
export async function startApp(dataDir: string, options: Omit<DurableAppOptions, 'dataDir'> = {}): Promise<DurableApp> {
  const app = await DurableApp.create({ logger: { level: 'silent' }, ...options, dataDir });
  await app.start();
  return app;
}
