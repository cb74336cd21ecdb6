import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupSite, FAN_OUT_FAN_IN, addFakeFiles, fakeStorage, runFanOutFanInDemo } from '../../examples/fan-out-fan-in';
import { createTestEnvironment, type TestEnvironment, type TestEnvironmentOptions } from '../../src/index';
import { eventually } from '../eventually';

describe('example: fan-out/fan-in', () => {
  let env: TestEnvironment | undefined;
  beforeEach(() => {
    fakeStorage.files.clear();
    fakeStorage.failNext.clear();
    fakeStorage.copies.clear();
    fakeStorage.running = 0;
    fakeStorage.maxRunning = 0;
  });
  afterEach(async () => {
    await env?.dispose();
    env = undefined;
  });

  async function open(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
    env = await createTestEnvironment({ ...FAN_OUT_FAN_IN, ...options });
    return env;
  }

  function bytesUnder(root: string): number {
    return [...fakeStorage.files].filter(([path]) => path.startsWith(`${root}/`)).reduce((sum, [, size]) => sum + size, 0);
  }

  it('copies every file once, in parallel, and adds up the sizes', async () => {
    const { client } = await open();
    addFakeFiles('shop', 200);
    addFakeFiles('blog', 3); // another site: not part of this backup
    const handle = await client.startNew(BackupSite, 'shop');
    const report = await handle.result({ timeout: 20_000 });
    expect(report).toEqual({ files: 200, bytes: bytesUnder('shop') });
    expect(fakeStorage.copies.size).toBe(200);
    expect([...fakeStorage.copies.values()].every((n) => n === 1)).toBe(true);
    expect(fakeStorage.maxRunning).toBeGreaterThan(1);
    expect((await handle.status()).customStatus).toEqual({ files: 200 });
  });

  it('maxConcurrentActivities bounds how many copies run at once', async () => {
    const { client } = await open({ maxConcurrentActivities: 4 });
    addFakeFiles('docs', 40);
    const report = await (await client.startNew(BackupSite, 'docs')).result({ timeout: 20_000 });
    expect(report.files).toBe(40);
    expect(fakeStorage.maxRunning).toBeLessThanOrEqual(4);
  });

  it('a copy that fails is retried on its own after a durable timer; the others are not repeated', async () => {
    const env = await open();
    addFakeFiles('shop', 20);
    fakeStorage.failNext.set('shop/file-0007.dat', 1);
    const handle = await env.client.startNew(BackupSite, 'shop');
    await eventually(async () => (await handle.status({ showHistory: true })).history!.some((e) => e.kind === 'TimerCreated'));
    await eventually(() => fakeStorage.copies.size === 19);
    expect((await handle.status()).runtimeStatus).toBe('Running');
    await env.advance(1_000);
    expect(await handle.result({ timeout: 10_000 })).toEqual({ files: 20, bytes: bytesUnder('shop') });
    expect([...fakeStorage.copies.values()].every((n) => n === 1)).toBe(true);
  });

  it('an empty site is a backup of nothing', async () => {
    const { client } = await open();
    expect(await (await client.startNew(BackupSite, 'empty')).result({ timeout: 10_000 })).toEqual({ files: 0, bytes: 0 });
  });

  it('the runnable demo backs up its site and checks the total', async () => {
    const { client } = await open();
    const lines: string[] = [];
    const report = await runFanOutFanInDemo(client, { files: 150, runId: 't', log: (line) => lines.push(line) });
    expect(report).toEqual({ files: 150, bytes: bytesUnder('site-t') });
    expect(lines.at(-1)).toBe('OK: the total matches the files listed.');
  });
});
