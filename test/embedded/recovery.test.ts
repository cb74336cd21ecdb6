import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { LevelStore, StorageKeys } from '../../src/internal';
import { Counter } from '../contract/fixtures';
import { startApp, tempDir } from '../helpers';

describe('embedded recovery', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.remove());

  async function writeSegment(firstSeq: number, messages: object[]): Promise<void> {
    const store = await LevelStore.open(dir.path);
    const stored = messages.map((m, i) => ({ ...m, seq: firstSeq + i }));
    await store.write(
      [
        { type: 'put', key: StorageKeys.segment(firstSeq), value: JSON.stringify(stored) },
        { type: 'put', key: StorageKeys.lastSeq, value: String(firstSeq + messages.length - 1) },
      ],
      true,
    );
    await store.close();
  }

  async function segmentKeys(): Promise<string[]> {
    const store = await LevelStore.open(dir.path);
    const keys = (await store.range(StorageKeys.segmentsStart, StorageKeys.segmentsEnd)).map(([key]) => key);
    await store.close();
    return keys;
  }

  test('stored messages for unknown entities or operations are consumed and counted, and do not block the ones beside them', async () => {
    await writeSegment(1, [
      { id: 'x.1', target: { name: 'Ghost', key: 'k' }, operation: 'haunt', kind: 'signal' },
      { id: 'x.2', target: { name: 'Counter', key: 'k' }, operation: 'removedInThisVersion', kind: 'signal' },
      { id: 'x.3', target: { name: 'Counter', key: 'k' }, operation: 'add', kind: 'signal', input: 4 },
    ]);
    const app = await startApp(dir.path, { entities: [Counter] });
    expect(await app.client.entity(Counter, 'k').call.get()).toBe(4);
    expect(app.stats()).toMatchObject({ applied: 2, failed: 2 });
    await app.stop();
    expect(await segmentKeys()).toEqual([]);
  });

  test("messages at or below an entity's lastAppliedSeq are skipped on redelivery", async () => {
    const app = await startApp(dir.path, { entities: [Counter] });
    await app.client.entity(Counter, 'k').call.increment();
    await app.client.entity(Counter, 'k').signal.add(10);
    expect(await app.client.entity(Counter, 'k').call.get()).toBe(11);
    await app.stop();
    // Re-append the already-applied signal at its original position, as a crash before
    // the segment's deletion would leave it.
    const store = await LevelStore.open(dir.path);
    const snapshot = await store.get(StorageKeys.snapshot({ name: 'Counter', key: 'k' }));
    await store.close();
    const lastApplied = (JSON.parse(snapshot!) as { s: number }).s;
    await writeSegment(lastApplied, [{ id: 'replayed', target: { name: 'Counter', key: 'k' }, operation: 'add', kind: 'signal', input: 10 }]);
    const restarted = await startApp(dir.path, { entities: [Counter] });
    expect(await restarted.client.entity(Counter, 'k').call.get()).toBe(11);
    expect(restarted.stats()).toMatchObject({ duplicates: 1, applied: 1 });
    await restarted.stop();
  });
});
