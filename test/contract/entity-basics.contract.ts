import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { DurableApp } from '../../src/index';
import { partitionOf } from '../../src/internal';
import { ALL_ENTITIES, Counter, ForwardingCounter, Journal, Leaky, RenamedGauge, Totals, Waiter } from './fixtures';
import type { ContractStore, EngineHarness } from './harness';

/** Signals, calls, reads, ordering and parallelism. */
export function entityBasicsContract(harness: EngineHarness): void {
  describe(`entity basics [${harness.name}]`, () => {
    let store: ContractStore;
    let app: DurableApp;
    beforeEach(async () => {
      store = await harness.newStore();
      app = await store.open({ entities: ALL_ENTITIES });
    });
    afterEach(() => store.dispose());

    test('a signal is applied and a call returns the typed result', async () => {
      const counter = app.client.entity(Counter, 'visits');
      await counter.signal.add(5);
      await counter.signal.add(2);
      const value: number = await counter.call.get();
      expect(value).toBe(7);
      expect(await counter.call.increment()).toBe(8);
    });

    test('a new key starts from a fresh instance and read() of an untouched key says it does not exist', async () => {
      const untouched = await app.client.entity(Counter, 'never').read();
      expect(untouched).toEqual({ entityExists: false, backlogQueueSize: 0 });
      expect(await app.client.entity(Counter, 'fresh').call.increment()).toBe(1);
      const read = await app.client.entity(Counter, 'fresh').read();
      expect(read.entityExists).toBe(true);
      expect(read.entityState).toBeInstanceOf(Counter);
      expect(read.entityState?.value).toBe(1);
    });

    test('the untyped client reaches the same entities', async () => {
      const id = { name: 'Counter', key: 'untyped' };
      await app.client.signalEntity(id, 'add', 3);
      expect(await app.client.callEntity<number>(id, 'get')).toBe(3);
      const state = await app.client.readEntityState<Counter>(id);
      expect(state.entityState?.value).toBe(3);
      expect(await app.client.entity(Counter, 'untyped').call.get()).toBe(3);
    });

    test('operations from one sender run in the order it sent them, even unawaited', async () => {
      const journal = app.client.entity(Journal, 'ordered');
      const sent = Array.from({ length: 500 }, (_, i) => `e${i}`);
      await Promise.all(sent.map((entry) => journal.signal.append(entry)));
      expect(await journal.call.read()).toEqual(sent);
    });

    test('signals and calls from one sender stay in order with each other', async () => {
      const counter = app.client.entity(Counter, 'mixed');
      const results = await Promise.all([counter.signal.add(1), counter.call.get(), counter.signal.add(10), counter.call.get(), counter.call.increment()]);
      expect(results).toEqual([undefined, 1, undefined, 11, 12]);
    });

    test('each of several concurrent senders keeps its own order', async () => {
      const journal = app.client.entity(Journal, 'interleaved');
      const senders = ['a', 'b', 'c', 'd'];
      await Promise.all(senders.flatMap((s) => Array.from({ length: 100 }, (_, i) => journal.signal.append(`${s}${i}`))));
      const entries = await journal.call.read();
      expect(entries).toHaveLength(400);
      for (const s of senders) {
        const own = entries.filter((e) => e.startsWith(s));
        expect(own).toEqual(Array.from({ length: 100 }, (_, i) => `${s}${i}`));
      }
    });

    test('10,000 concurrent signals to one key lose no update', async () => {
      const counter = app.client.entity(Counter, 'hot');
      await Promise.all(Array.from({ length: 10_000 }, () => counter.signal.add(1)));
      expect(await counter.call.get()).toBe(10_000);
    });

    test('signals spread over many keys all land on the right key', async () => {
      const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
      await Promise.all(keys.flatMap((key, i) => Array.from({ length: 5 }, () => app.client.entity(Counter, key).signal.add(i))));
      const values = await Promise.all(keys.map((key) => app.client.entity(Counter, key).call.get()));
      expect(values).toEqual(keys.map((_, i) => i * 5));
    });

    test('an operation that waits does not hold up entities in other partitions', async () => {
      let open!: () => void;
      Waiter.gates.set('blocked', new Promise<void>((resolve) => (open = resolve)));
      const blockedPartition = partitionOf({ name: 'Waiter', key: 'blocked' }, 32);
      const otherKeys = Array.from({ length: 40 }, (_, i) => `w${i}`).filter((key) => partitionOf({ name: 'Waiter', key }, 32) !== blockedPartition);
      const blocked = app.client.entity(Waiter, 'blocked').call.wait();
      // These have no gate, so they finish at once unless the blocked operation holds them up.
      const others = await Promise.all(otherKeys.map((key) => app.client.entity(Waiter, key).call.wait()));
      expect(others).toEqual(otherKeys);
      expect((await app.client.entity(Waiter, 'blocked').read()).entityExists).toBe(false);
      open();
      expect(await blocked).toBe('blocked');
      expect((await app.client.entity(Waiter, 'blocked').read()).entityState?.done).toBe(true);
    });

    test('an operation can signal other entities through entityContext()', async () => {
      const sources = ['shop:home', 'shop:cart', 'shop:checkout'];
      await Promise.all(sources.flatMap((key, i) => Array.from({ length: 50 }, () => app.client.entity(ForwardingCounter, key).signal.add(i + 1))));
      const totals = app.client.entity(Totals, 'shop');
      await expect.poll(() => totals.call.snapshot(), { timeout: 10_000 }).toEqual({ total: 50 * (1 + 2 + 3), count: 150 });
      const counters = await Promise.all(sources.map((key) => app.client.entity(ForwardingCounter, key).read()));
      expect(counters.map((c) => c.entityState?.value)).toEqual([50, 100, 150]);
    });

    test('delete() removes the state and the next operation starts fresh', async () => {
      const counter = app.client.entity(Counter, 'doomed');
      await counter.call.increment();
      await counter.delete();
      expect(await counter.read()).toEqual({ entityExists: false, backlogQueueSize: 0, lastModifiedTime: expect.any(Date) });
      expect(await counter.call.increment()).toBe(1);
    });

    test('deleteState() inside an operation deletes the entity when the operation succeeds', async () => {
      const journal = app.client.entity(Journal, 'cleared');
      await journal.signal.append('x');
      await journal.call.clear();
      expect((await journal.read()).entityExists).toBe(false);
      await journal.signal.append('y');
      expect(await journal.call.read()).toEqual(['y']);
    });

    test('typed proxies name methods; operations renamed with @Operation(name) are reached through them', async () => {
      const gauge = app.client.entity(RenamedGauge, 'g');
      await gauge.signal.up(3);
      expect(await gauge.call.read()).toBe(3);
      expect(await app.client.callEntity({ name: 'Gauge', key: 'g' }, 'current')).toBe(3);
    });

    test('a callback an operation leaves behind cannot use its context once the operation returned', async () => {
      Leaky.afterwards = [];
      await app.client.entity(Leaky, 'l').call.leak();
      expect(await Leaky.afterwards[0]).toBe('OutsideOperationError,OutsideOperationError');
      expect((await app.client.entity(Counter, 'leak').read()).entityExists).toBe(false);
    });

    test('an operation can schedule a signal with entityContext().entity(...).signalAt(time)', async () => {
      const at = new Date(Date.now() + 200);
      await app.client.entity(Leaky, 'r').call.remind(at.toISOString());
      const journal = app.client.entity(Journal, 'reminders');
      expect((await journal.read()).entityExists).toBe(false);
      await expect.poll(() => journal.read().then((r) => r.entityState?.entries.length ?? 0), { timeout: 5_000 }).toBe(1);
      expect(Number((await journal.call.read())[0]!.split('@')[1])).toBeGreaterThanOrEqual(at.getTime());
    });

    test('operations declared async can use entityContext() after awaiting', async () => {
      Waiter.gates.set('async-ctx', new Promise<void>((resolve) => setTimeout(resolve, 5)));
      expect(await app.client.entity(Waiter, 'async-ctx').call.wait()).toBe('async-ctx');
    });
  });
}
