import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DefinitionError, InvalidOptionsError, type DurableApp, type EntityChange } from '../../src/index';
import { ALL_ENTITIES, Cart, Counter, Journal, LineItem, PriceService, PricedOrder } from './fixtures';
import type { ContractStore, EngineHarness } from './harness';

/** State streams, listing, scheduled signals, restarts and state round trips. */
export function streamsAndStorageContract(harness: EngineHarness): void {
  describe(`streams and storage [${harness.name}]`, () => {
    let store: ContractStore;
    let app: DurableApp;
    beforeEach(async () => {
      store = await harness.newStore();
      app = await store.open({ entities: ALL_ENTITIES });
    });
    afterEach(() => store.dispose());

    test('state$ emits the current committed state, then each later commit', async () => {
      const counter = app.client.entity(Counter, 's1');
      await counter.call.increment();
      const values: number[] = [];
      const subscription = counter.state$.subscribe((c) => values.push(c.value));
      await expect.poll(() => values).toEqual([1]);
      await counter.call.increment();
      await counter.call.increment();
      await expect.poll(() => values).toEqual([1, 2, 3]);
      subscription.unsubscribe();
    });

    test('state$ of an entity that does not exist yet waits for its first commit', async () => {
      const counter = app.client.entity(Counter, 's2');
      const first = firstValueFrom(counter.state$);
      await counter.call.increment();
      const state = await first;
      expect(state).toBeInstanceOf(Counter);
      expect(state.value).toBe(1);
    });

    test('state$ never shows state of an operation that was rolled back', async () => {
      const counter = app.client.entity(Counter, 's3');
      const values: number[] = [];
      counter.state$.subscribe((c) => values.push(c.value));
      await Promise.allSettled([counter.signal.add(1), counter.call.addThenFail(500), counter.signal.add(2), counter.call.addThenFail(500)]);
      await counter.call.increment();
      await expect.poll(() => values.at(-1)).toBe(4);
      expect(values.every((v) => v < 500)).toBe(true);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    });

    test('changes$ streams committed changes of every key of a class, deletions included', async () => {
      const changes = lastValueFrom(app.client.entities(Counter).changes$.pipe(take(3), toArray()));
      await app.client.entity(Counter, 'a').call.increment();
      await app.client.entity(Counter, 'b').call.increment();
      await app.client.entity(Counter, 'a').delete();
      const seen: EntityChange<Counter>[] = await changes;
      expect(seen.map((c) => [c.id.key, c.exists, c.state?.value])).toEqual([
        ['a', true, 1],
        ['b', true, 1],
        ['a', false, undefined],
      ]);
      expect(seen[0]!.state).toBeInstanceOf(Counter);
    });

    test('operations that change nothing publish no change and keep the version', async () => {
      const counter = app.client.entity(Counter, 'quiet');
      await counter.call.increment();
      const seen: EntityChange<Counter>[] = [];
      const subscription = app.client.entities(Counter).changes$.subscribe((c) => seen.push(c));
      await counter.call.get();
      await counter.signal.add(0);
      await counter.call.addThenFail(1).catch(() => undefined);
      await app.client
        .entity(Counter, 'never-existed')
        .call.addThenFail(1)
        .catch(() => undefined);
      await counter.call.increment();
      subscription.unsubscribe();
      expect(seen.map((c) => [c.id.key, c.version, c.state?.value])).toEqual([['quiet', 2, 2]]);
      expect(await app.client.entity(Counter, 'never-existed').read()).toEqual({ entityExists: false, backlogQueueSize: 0 });
    });

    test('state$ and changes$ complete when the app stops', async () => {
      const counter = app.client.entity(Counter, 's4');
      await counter.call.increment();
      const all = lastValueFrom(counter.state$.pipe(toArray()));
      const changes = lastValueFrom(app.client.entities(Counter).changes$.pipe(toArray()));
      await counter.call.increment();
      await app.stop();
      expect((await all).map((c) => c.value)).toEqual([1, 2]);
      expect(Array.isArray(await changes)).toBe(true);
    });

    test('listEntities pages through existing entities with name and time filters', async () => {
      const before = new Date(Date.now() - 1);
      await Promise.all(Array.from({ length: 25 }, (_, i) => app.client.entity(Counter, `list-${String(i).padStart(2, '0')}`).call.increment()));
      await app.client.entity(Journal, 'not-a-counter').signal.append('x');
      await app.client.entity(Counter, 'list-deleted').call.increment();
      await app.client.entity(Counter, 'list-deleted').delete();
      const keys: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await app.client.entities(Counter).list({ pageSize: 10, ...(token ? { continuationToken: token } : {}) });
        keys.push(...page.entities.map((e) => e.id.key));
        page.entities.forEach((e) => expect(e.state).toBeInstanceOf(Counter));
        token = page.continuationToken;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(keys).toEqual(Array.from({ length: 25 }, (_, i) => `list-${String(i).padStart(2, '0')}`));

      const all = await app.client.listEntities({ pageSize: 1000, fetchState: false });
      expect(all.entities.map((e) => e.id.name).sort()).toEqual([...Array(25).fill('Counter'), 'Journal']);
      expect(all.entities.every((e) => e.state === undefined && e.lastOperationTime >= before)).toBe(true);

      const future = await app.client.listEntities({ name: 'Counter', lastOperationFrom: new Date(Date.now() + 60_000) });
      expect(future.entities).toEqual([]);
      const past = await app.client.listEntities({ name: 'Counter', lastOperationTo: before });
      expect(past.entities).toEqual([]);
      await expect(app.client.listEntities({ pageSize: 0 })).rejects.toBeInstanceOf(InvalidOptionsError);
    });

    test('a scheduled signal is applied at, not before, its time', async () => {
      const journal = app.client.entity(Journal, 'sched');
      const due = new Date(Date.now() + 300);
      await journal.signalAt(due).stamp('later');
      await journal.signal.append('now');
      expect(await journal.call.read()).toEqual(['now']);
      await expect.poll(() => journal.call.read(), { timeout: 5_000 }).toHaveLength(2);
      const [label, at] = (await journal.call.read())[1]!.split('@');
      expect(label).toBe('later');
      expect(Number(at)).toBeGreaterThanOrEqual(due.getTime());
    });

    test('a scheduled signal survives a restart and is applied exactly once', async () => {
      const due = new Date(Date.now() + 600);
      await app.client.signalEntity({ name: 'Journal', key: 'sched-restart' }, 'stamp', 'later', { scheduledTime: due });
      await app.stop();
      const restarted = await store.open({ entities: ALL_ENTITIES });
      const journal = restarted.client.entity(Journal, 'sched-restart');
      await expect.poll(() => journal.read().then((r) => r.entityState?.entries.length ?? 0), { timeout: 5_000 }).toBe(1);
      await new Promise((r) => setTimeout(r, 200));
      const entries = await journal.call.read();
      expect(entries).toHaveLength(1);
      expect(Number(entries[0]!.split('@')[1])).toBeGreaterThanOrEqual(due.getTime());
    });

    test('committed state survives a restart; signals sent before start() run after it', async () => {
      await app.client.entity(Counter, 'persist').call.increment();
      await app.stop();
      const created = await store.create({ entities: ALL_ENTITIES });
      await created.client.entity(Counter, 'persist').signal.add(10);
      await created.start();
      expect(await created.client.entity(Counter, 'persist').call.get()).toBe(11);
    });

    test('nested classes, Dates and Maps round-trip through storage as class instances', async () => {
      const at = '2026-03-04T05:06:07.000Z';
      await app.client.entity(Cart, 'cart').signal.addItem({ sku: 'apple', quantity: 2, at });
      await app.client.entity(Cart, 'cart').call.addItem({ sku: 'apple', quantity: 3, at });
      await app.stop();
      const restarted = await store.open({ entities: ALL_ENTITIES });
      const cart = (await restarted.client.entity(Cart, 'cart').read()).entityState!;
      expect(cart).toBeInstanceOf(Cart);
      expect(cart.items[0]).toBeInstanceOf(LineItem);
      expect(cart.items[0]!.addedAt).toBeInstanceOf(Date);
      expect(cart.updatedAt.toISOString()).toBe(at);
      expect(cart.quantities).toBeInstanceOf(Map);
      expect(cart.quantities.get('apple')).toBe(5);
    });
  });

  describe(`dependency injection [${harness.name}]`, () => {
    let store: ContractStore;
    beforeEach(async () => {
      store = await harness.newStore();
    });
    afterEach(() => store.dispose());

    test('the resolve hook builds entity instances; injected services are not state', async () => {
      const prices = new PriceService();
      prices.priceOf = (sku) => sku.length * 100;
      const app = await store.open({
        entities: ALL_ENTITIES,
        resolve: (cls) => (cls === PricedOrder ? new PricedOrder(prices) : new (cls as new () => object)()) as never,
      });
      const order = app.client.entity(PricedOrder, 'o1');
      expect(await order.call.add('abc')).toBe(300);
      expect(await order.call.add('de')).toBe(500);
      await app.stop();
      const restarted = await store.open({
        entities: ALL_ENTITIES,
        resolve: (cls) => (cls === PricedOrder ? new PricedOrder(prices) : new (cls as new () => object)()) as never,
      });
      expect(await restarted.client.entity(PricedOrder, 'o1').call.add('f')).toBe(600);
    });

    test('a resolve hook that hands out one shared instance is refused', async () => {
      const shared = new Counter();
      const app = await store.open({ entities: ALL_ENTITIES, resolve: () => shared as never });
      const first = app.client.entity(Counter, 'one').call.increment();
      const second = app.client.entity(Counter, 'two').call.increment();
      const results = await Promise.allSettled([first, second]);
      const reasons = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
      expect(reasons.length).toBeGreaterThan(0);
      expect(String(reasons[0])).toMatch(/returned an instance it had returned before/);
      expect(DefinitionError.name).toBe('DefinitionError');
    });
  });
}
