// Fan-out/fan-in: an orchestration starts many activities at once, waits for all of them
// and aggregates their results. Here a site backup lists its files, copies every file in
// parallel and adds up the bytes copied.
//
// Run it: node scripts/run-ts.mjs examples/fan-out-fan-in.ts   (NATS_URL=nats://... for NATS)
import 'reflect-metadata';
// In your own project: import { Activity, Orchestrator, type DurableClient, ... } from 'jetstate';
import { Activity, Orchestrator, type DurableClient, type OrchestrationContext } from '../src/index';
import { newRunId, runExample, type DemoOptions } from './example-app';

/**
 * A stand-in for the storage being backed up: file path -> size in bytes. `failNext` makes
 * the next copies of a file fail, as a flaky network would.
 */
export const fakeStorage = {
  files: new Map<string, number>(),
  failNext: new Map<string, number>(),
  /** How often each file was copied. */
  copies: new Map<string, number>(),
  /** Copies running now, and the most seen at once. */
  running: 0,
  maxRunning: 0,
};

/** Adds `count` files under `root` to the fake storage, with sizes from 1 to 100 KiB. */
export function addFakeFiles(root: string, count: number): void {
  for (let i = 0; i < count; i++) fakeStorage.files.set(`${root}/file-${String(i).padStart(4, '0')}.dat`, 1024 * (1 + ((i * 37) % 100)));
}

export class Backup {
  @Activity()
  listFiles(root: string): string[] {
    return [...fakeStorage.files.keys()].filter((path) => path.startsWith(`${root}/`)).sort();
  }

  @Activity()
  async copyFile(path: string): Promise<number> {
    fakeStorage.running++;
    fakeStorage.maxRunning = Math.max(fakeStorage.maxRunning, fakeStorage.running);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1)); // the "upload"
      const failures = fakeStorage.failNext.get(path) ?? 0;
      if (failures > 0) {
        fakeStorage.failNext.set(path, failures - 1);
        throw new Error(`connection reset while copying ${path}`);
      }
      const size = fakeStorage.files.get(path);
      if (size === undefined) throw new Error(`${path} does not exist`);
      fakeStorage.copies.set(path, (fakeStorage.copies.get(path) ?? 0) + 1);
      return size;
    } finally {
      fakeStorage.running--;
    }
  }
}

export interface BackupReport {
  files: number;
  bytes: number;
}

@Orchestrator()
export class BackupSite {
  async run(ctx: OrchestrationContext, root: string): Promise<BackupReport> {
    const files = await ctx.activities(Backup).listFiles(root);
    ctx.setCustomStatus({ files: files.length });
    // Fan out: one task per file, all scheduled in this turn. Each copy is retried on its own.
    const copy = ctx.activities(Backup, { retry: { maxNumberOfAttempts: 3, firstRetryInterval: 1_000 } });
    const sizes = await ctx.all(files.map((path) => copy.copyFile(path)));
    // Fan in: `all` resolved with every result, in the order of the tasks.
    return { files: files.length, bytes: sizes.reduce((a, b) => a + b, 0) };
  }
}

export const FAN_OUT_FAN_IN = { orchestrators: [BackupSite], activities: [Backup] };

/** Backs up a site of `files` files (default 500) and prints the totals and the rate. */
export async function runFanOutFanInDemo(client: DurableClient, options: DemoOptions & { files?: number } = {}): Promise<BackupReport> {
  const log = options.log ?? console.log;
  const root = `site-${options.runId ?? newRunId()}`;
  const count = options.files ?? 500;
  addFakeFiles(root, count);
  const expected = [...fakeStorage.files].filter(([path]) => path.startsWith(`${root}/`)).reduce((sum, [, size]) => sum + size, 0);
  const started = performance.now();
  const handle = await client.startNew(BackupSite, root, { instanceId: `backup-${root}` });
  const report = await handle.result({ timeout: 120_000 });
  const seconds = (performance.now() - started) / 1000;
  log(
    `${report.files} files, ${report.bytes.toLocaleString('en-US')} bytes copied in ${seconds.toFixed(2)} s (${Math.round(report.files / seconds)} activities/s)`,
  );
  log(report.bytes === expected ? 'OK: the total matches the files listed.' : `MISMATCH: expected ${expected} bytes`);
  return report;
}

if (typeof require !== 'undefined' && require.main === module) {
  void runExample('fan-out-fan-in', FAN_OUT_FAN_IN, runFanOutFanInDemo);
}
