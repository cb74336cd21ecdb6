import 'reflect-metadata';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { Registry } from '../../src/registry/registry';
import { EntityCache } from '../../src/runtime/entity-cache';
import { EntityExecutor, type SnapshotLoader } from '../../src/runtime/entity-executor';
import { LOCK_OPERATION, UNLOCK_OPERATION, type LockRequest } from '../../src/runtime/entity-locks';
import type { EntitySnapshot, OperationMessage } from '../../src/runtime/messages';
import { decodeSnapshot, encodeSnapshot } from '../../src/runtime/snapshot-codec';
import { Counter } from '../contract/fixtures';

const c1 = { name: 'Counter', key: 'c1' };
const c2 = { name: 'Counter', key: 'c2' };
const orchestration = { name: 'Counter', key: 'stands-for-an-orchestration' };

/** Executes batches against committed snapshots kept in a map, as an engine would. */
function harness() {
  const registry = Registry.create({ entities: [Counter] });
  const executor = new EntityExecutor({ registry, logger: pino({ level: 'silent' }), createInstance: (ctor) => new ctor(), now: () => 1_000 });
  const stored = new Map<string, string>();
  const loader: SnapshotLoader = {
    loadSnapshots: async (ids) => ids.map((id) => (stored.has(id.key) ? decodeSnapshot(id, stored.get(id.key)!) : undefined)),
  };
  let seq = 0;
  return {
    async run(...messages: OperationMessage[]) {
      for (const m of messages) m.seq ??= ++seq;
      // A fresh cache every batch: state must survive through the stored snapshots alone.
      const outcome = await executor.execute(messages, new EntityCache(16), loader);
      for (const s of outcome.changes) stored.set(s.id.key, encodeSnapshot(s));
      return outcome;
    },
    snapshot(key: string): EntitySnapshot | undefined {
      return stored.has(key) ? decodeSnapshot({ name: 'Counter', key }, stored.get(key)!) : undefined;
    },
  };
}

let ids = 0;
const message = (target: typeof c1, operation: string, input?: unknown, extra: Partial<OperationMessage> = {}): OperationMessage => ({
  id: `m${++ids}`,
  target,
  operation,
  kind: 'signal',
  ...(input === undefined ? {} : { input }),
  ...extra,
});
const lockRequest = (owner: string, index = 0): LockRequest => ({
  owner,
  entities: [c1, c2],
  index,
  grant: { target: orchestration, operation: 'add', input: 100 },
});

describe('entity locks (critical sections)', () => {
  test('a lock request locks the entity and travels on to the next one; the last one sends the grant', async () => {
    const h = harness();
    const first = await h.run(message(c1, LOCK_OPERATION, lockRequest('A')));
    expect(first.produced).toHaveLength(1);
    expect(first.produced[0]).toMatchObject({ target: c2, operation: LOCK_OPERATION, input: { owner: 'A', index: 1 } });
    expect(h.snapshot('c1')?.lock).toEqual({ owner: 'A', queue: [] });
    const second = await h.run(first.produced[0]! as OperationMessage);
    expect(second.produced.map((m) => [m.target, m.operation, m.input])).toEqual([[orchestration, 'add', 100]]);
  });

  test('while locked, only the owner’s messages run; the others wait, in order, and run when it unlocks', async () => {
    const h = harness();
    await h.run(message(c1, LOCK_OPERATION, lockRequest('A')));
    const waiting = [message(c1, 'add', 1), message(c1, 'increment', undefined, { kind: 'call' })];
    const meanwhile = await h.run(...waiting, message(c1, 'add', 10, { lockOwner: 'A' }));
    expect(meanwhile.applied).toBe(1);
    expect(meanwhile.replies).toEqual([]);
    expect(h.snapshot('c1')?.stateJson).toBe('{"value":10}');
    expect(h.snapshot('c1')?.lock?.queue.map((m) => m.id)).toEqual(waiting.map((m) => m.id));

    // Someone else's unlock does nothing.
    await h.run(message(c1, UNLOCK_OPERATION, { owner: 'B' }));
    expect(h.snapshot('c1')?.lock?.owner).toBe('A');

    const released = await h.run(message(c1, UNLOCK_OPERATION, { owner: 'A' }));
    expect(released.applied).toBe(2);
    expect(released.released.map((m) => m.id)).toEqual(waiting.map((m) => m.id));
    expect(released.replies).toEqual([{ id: waiting[1]!.id, ok: true, value: 12 }]);
    expect(h.snapshot('c1')?.lock).toBeUndefined();
    expect(h.snapshot('c1')?.stateJson).toBe('{"value":12}');
  });

  test('a second section waits for the first; when it is released, the waiting request takes the lock before later messages', async () => {
    const h = harness();
    await h.run(message(c1, LOCK_OPERATION, lockRequest('A')));
    const second = await h.run(message(c1, LOCK_OPERATION, lockRequest('B')), message(c1, 'add', 5));
    expect(second.produced).toEqual([]);
    const handover = await h.run(message(c1, UNLOCK_OPERATION, { owner: 'A' }));
    // B's request went on to c2; the add still waits, now for B.
    expect(handover.produced.map((m) => [m.target, m.operation, (m.input as LockRequest).owner])).toEqual([[c2, LOCK_OPERATION, 'B']]);
    expect(h.snapshot('c1')?.lock?.owner).toBe('B');
    expect(h.snapshot('c1')?.lock?.queue.map((m) => m.operation)).toEqual(['add']);
    expect(h.snapshot('c1')?.stateJson).toBeUndefined();
  });
});

describe('replies as messages', () => {
  test('an operation with a reply route sends its result, or its error, to the route', async () => {
    const h = harness();
    const route = { target: orchestration, operation: 'add', context: { seq: 7 } };
    const ok = await h.run(message(c1, 'increment', undefined, { replyVia: route }));
    expect(ok.produced.map((m) => [m.target, m.operation, m.input])).toEqual([
      [orchestration, 'add', { context: { seq: 7 }, reply: { id: expect.any(String), ok: true, value: 1 } }],
    ]);
    const failed = await h.run(message(c1, 'addThenFail', 3, { replyVia: route }));
    expect(failed.produced).toHaveLength(1);
    expect(failed.produced[0]!.input).toMatchObject({ reply: { ok: false, error: { name: 'RangeError', message: 'refusing 3' } } });
    expect(h.snapshot('c1')?.stateJson).toBe('{"value":1}');
  });
});
