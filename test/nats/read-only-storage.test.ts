/**
 * Read-only operations on NATS, observed on the server: they publish no snapshot to
 * `<hub>_STATE`, and when a new worker replays the retained inputs (which it does on every
 * takeover), the read-only inputs above an entity's stored position run again without being
 * taken for a snapshot the server lost.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { beforeAll, describe, expect, test } from 'vitest';
import { DurableApp } from '../../src/index';
import type { Engine } from '../../src/engine/engine';
import type { LockRequest } from '../../src/runtime/entity-locks';
import { partitionOf } from '../../src/internal';
import { Ledger, ReadsLedger, readOnlyRuns } from '../contract/http-and-read-only.fixtures';
import { eventually } from '../eventually';
import { useSharedNatsServer } from './shared-nats-server';

const PARTITIONS = 8;

describe('read-only operations on NATS', () => {
  const shared = useSharedNatsServer('ro');
  let jsm: JetStreamManager;
  beforeAll(async () => {
    jsm = await jetstreamManager(shared.raw);
  });

  function worker(hub: string): Promise<DurableApp> {
    return shared.startWorker({ entities: [Ledger], orchestrators: [ReadsLedger], hub, partitionCount: PARTITIONS });
  }

  /** The `<hub>_STATE` sequence of the entity's newest snapshot, and how many messages the stream holds for it. */
  async function stateOf(hub: string, key: string): Promise<{ seq: number; messages: number }> {
    const subject = `${hub}.s.${partitionOf({ name: 'Ledger', key }, PARTITIONS)}.Ledger.${key}`;
    const last = await jsm.streams.getMessage(`${hub}_STATE`, { last_by_subj: subject });
    if (!last) throw new Error(`no snapshot on ${subject}`);
    const info = await jsm.streams.info(`${hub}_STATE`, { subjects_filter: subject });
    return { seq: last.seq, messages: info.state.subjects?.[subject] ?? 0 };
  }

  test('publish no snapshot; replayed by the next worker, they are no state regression', async () => {
    const hub = shared.nextHub();
    readOnlyRuns.clear();
    const first = await worker(hub);
    const ledger = first.client.entity(Ledger, 'books');
    await ledger.signal.add(5);
    await eventually(async () => (await ledger.read()).entityState?.total === 5);
    const before = await stateOf(hub, 'books');

    for (let i = 0; i < 3; i++) await ledger.signal.balance();
    expect(await ledger.call.balance()).toBe(5);
    expect(await (await first.client.startNew(ReadsLedger, 'books')).result({ timeout: 10_000 })).toBe(5);
    expect(await ledger.call.balance()).toBe(5);
    expect(readOnlyRuns.get('books.balance')).toBe(6);
    expect(await stateOf(hub, 'books')).toEqual(before);
    expect(first.stats().stateRegressions).toBe(0);
    await first.stop();

    // The next worker's consumer starts at the oldest retained input: the read-only ones are
    // above the entity's stored position, so they run again; nothing was lost.
    const second = await worker(hub);
    await eventually(() => (readOnlyRuns.get('books.balance') ?? 0) >= 12, 20_000);
    const again = second.client.entity(Ledger, 'books');
    await again.signal.add(1);
    await eventually(async () => (await again.read()).entityState?.total === 6, 20_000);
    expect(second.stats().stateRegressions).toBe(0);
    expect(second.stats().haltedPartitions).toEqual([]);
    const after = await stateOf(hub, 'books');
    expect(after.seq).toBeGreaterThan(before.seq);
  }, 60_000);

  test('queued behind a lock, they are stored with the queue, and a takeover does not queue them twice', async () => {
    const hub = shared.nextHub();
    const first = await worker(hub);
    const ledger = first.client.entity(Ledger, 'held');
    await ledger.signal.add(5);
    await eventually(async () => (await ledger.read()).entityState?.total === 5);
    // The $lock message a critical section sends, as if instance 'owner-1' held the ledger.
    const engine = (first as unknown as { engine: Engine }).engine;
    const lock: LockRequest = {
      owner: 'owner-1',
      entities: [ledger.id],
      index: 0,
      grant: { target: { name: 'Ledger', key: 'sink' }, operation: 'add', input: 0 },
    };
    await engine.send([{ id: 'test-lock-held', target: ledger.id, operation: '$lock', kind: 'signal', input: lock }]);
    await ledger.signal.balance();
    await ledger.signal.balance();
    await eventually(async () => (await ledger.read()).backlogQueueSize === 2);
    expect(await ledger.read()).toMatchObject({ lockedBy: 'owner-1', backlogQueueSize: 2 });
    await first.stop();

    const second = await worker(hub);
    // All five inputs come again and are skipped: add, $lock, the grant it sent to Ledger/sink, and the two queued reads.
    await eventually(() => second.stats().duplicates >= 5, 20_000);
    expect(second.stats().duplicates).toBe(5);
    expect(await second.client.entity(Ledger, 'held').read()).toMatchObject({ lockedBy: 'owner-1', backlogQueueSize: 2 });
  }, 60_000);
});
