import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { DurableApp } from '../../src/index';
import { eventually } from '../eventually';
import { filter, firstValueFrom } from 'rxjs';
import { LateDataError } from '../../src/index';
import { summarize } from '../../src/aggregators';
import {
  AGGREGATOR_ENTITIES,
  IdleSession,
  ArrivalsPerMinute,
  Clicks,
  Latency,
  ResponseTimes,
  Searches,
  Visitors,
  Breakdown,
  HotCounter,
  LeafCounter,
  PageTally,
  Tape,
  TapeRelay,
  ViewsPerWindow,
} from './aggregator-fixtures';
import type { ContractStore, EngineHarness } from './harness';

/** Mergeable operations: folding changes the number of messages, never the outcome. */
export function aggregatorsContract(harness: EngineHarness): void {
  describe(`aggregators [${harness.name}]`, () => {
    let store: ContractStore;
    let app: DurableApp;
    beforeEach(async () => {
      store = await harness.newStore();
      app = await store.open({ entities: AGGREGATOR_ENTITIES });
    });
    afterEach(() => store.dispose());

    test('a hot key takes thousands of mergeable signals, each counted once, in fewer applications', async () => {
      const counter = app.client.entity(HotCounter, 'hot');
      const before = app.stats();
      await Promise.all(Array.from({ length: 5_000 }, () => counter.signal.add(1)));
      expect(await counter.call.get()).toBe(5_000);
      const after = app.stats();
      // The call counts as one signal too.
      expect(after.signalsReceived - before.signalsReceived).toBe(5_001);
      expect(after.applied - before.applied).toBeLessThan(5_001);
      // Folded in the client's buffer (embedded: the group commit; NATS: behind the publish in flight).
      expect(after.messagesApplied - before.messagesApplied).toBeLessThan(1_000);
    });

    test('idle retention deletes an entity whose state has not changed for idleRetentionMs, and keeps one that keeps changing', async () => {
      const idle = app.client.entity(IdleSession, 'idle');
      const busy = app.client.entity(IdleSession, 'busy');
      await idle.signal.touch();
      await busy.signal.touch();
      // Reading is not a change: 'idle' still goes a second after its touch.
      expect(await idle.call.peek()).toBe(1);
      const started = Date.now();
      let idleGoneAt: number | undefined;
      // 'busy' changes every 200 ms for 3 s; it must outlive 'idle'.
      while (Date.now() - started < 3_000) {
        await busy.signal.touch();
        if (idleGoneAt === undefined && !(await idle.read()).entityExists) idleGoneAt = Date.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(idleGoneAt).toBeDefined();
      expect(idleGoneAt!).toBeGreaterThanOrEqual(800);
      expect((await busy.read()).entityExists).toBe(true);
      // Once it stops changing, it goes too.
      await eventually(async () => !(await busy.read()).entityExists, 10_000);
      // A deleted entity comes back fresh on its next operation.
      await idle.signal.touch();
      expect(await idle.call.peek()).toBe(1);
    }, 30_000);

    test('signals to one key made in one tick share one promise and one stored message; another operation ends the burst', async () => {
      const counter = app.client.entity(HotCounter, 'burst');
      const before = app.stats();
      const first = counter.signal.add(1);
      const second = counter.signal.add(2);
      const set = counter.signal.set(10);
      const after = counter.signal.add(5);
      expect(second).toBe(first);
      expect(set).not.toBe(first);
      expect(after).not.toBe(set);
      await Promise.all([first, second, set, after]);
      expect(await counter.call.get()).toBe(15);
      const stats = app.stats();
      expect(stats.signalsReceived - before.signalsReceived).toBe(5);
      expect(stats.messagesApplied - before.messagesApplied).toBe(4);
    });

    test('only consecutive signals of the same operation merge: a set between adds keeps its place', async () => {
      const counter = app.client.entity(HotCounter, 'ordered');
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 300; i++) sends.push(counter.signal.add(1));
      sends.push(counter.signal.set(1_000));
      for (let i = 0; i < 300; i++) sends.push(counter.signal.add(2));
      await Promise.all(sends);
      expect(await counter.call.get()).toBe(1_600);
    });

    test('calls between mergeable signals see exactly the signals sent before them', async () => {
      const counter = app.client.entity(HotCounter, 'interleaved');
      const sends: Promise<unknown>[] = [];
      const expected: (number | undefined)[] = [];
      let value = 0;
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 50; i++) {
          sends.push(counter.signal.add(1));
          expected.push(undefined);
          value++;
        }
        sends.push(counter.call.get());
        expected.push(value);
        if (round % 5 === 4) {
          sends.push(counter.signal.set(0));
          expected.push(undefined);
          value = 0;
        }
      }
      expect(await Promise.all(sends)).toEqual(expected);
    });

    test('a merged append keeps the sender order of every item', async () => {
      const tape = app.client.entity(Tape, 'order');
      const items = Array.from({ length: 1_000 }, (_, i) => i);
      await Promise.all(items.map((i) => tape.signal.append([i])));
      expect(await tape.call.list()).toEqual(items);
    });

    test('signals an entity sends to a mergeable operation are folded in its outbox and applied once each', async () => {
      const numbers = Array.from({ length: 900 }, (_, i) => i);
      const before = app.stats();
      await Promise.all(numbers.map((n) => app.client.entity(TapeRelay, `r${n % 4}`).signal.forward(n)));
      const expected = (key: number): number[] => numbers.filter((n) => n % 3 === key);
      for (const key of [0, 1, 2]) {
        const tape = app.client.entity(Tape, `relayed-${key}`);
        await eventually(async () => (await tape.call.list()).length >= expected(key).length, 20_000);
        const list = await tape.call.list();
        expect([...list].sort((a, b) => a - b)).toEqual(expected(key));
        // Each relay's own signals arrive in the order it sent them.
        for (let r = 0; r < 4; r++) {
          const fromRelay = list.filter((n) => n % 4 === r);
          expect(fromRelay).toEqual([...fromRelay].sort((a, b) => a - b));
        }
      }
      // The relays' 900 forwards reached the tapes in fewer messages than signals.
      const after = app.stats();
      expect(after.messagesApplied - before.messagesApplied).toBeLessThan(after.signalsReceived - before.signalsReceived);
    });

    test('a mergeable operation that sends signals keeps every signal it sends', async () => {
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 400; i++) sends.push(app.client.entity(PageTally, `a/p${i % 5}`).signal.add(1));
      for (let i = 0; i < 200; i++) sends.push(app.client.entity(PageTally, `b/p${i % 5}`).signal.add(3));
      await Promise.all(sends);
      await eventually(
        async () => (await app.client.entity(HotCounter, 'site-a').call.get()) === 400 && (await app.client.entity(HotCounter, 'site-b').call.get()) === 600,
        20_000,
      );
      expect(await app.client.entity(PageTally, 'a/p0').call.add(0)).toBeUndefined();
      expect(await app.client.entity(HotCounter, 'site-a').call.get()).toBe(400);
    });

    test('signalMany stores a batch of signals to different entities and operations, each applied once and in order per entity', async () => {
      const items = Array.from({ length: 3_000 }, (_, i) =>
        i % 2 === 0
          ? { id: { name: 'HotCounter', key: `many-${i % 6}` }, operation: 'add', input: 1 }
          : { id: { name: 'Tape', key: `many-${i % 4}` }, operation: 'append', input: [i] },
      );
      await app.client.signalMany(items);
      await eventually(async () => (await app.client.entity(Tape, 'many-3').call.list()).length === 750, 20_000);
      for (const key of [0, 2, 4]) expect(await app.client.entity(HotCounter, `many-${key}`).call.get()).toBe(500);
      for (const key of [1, 3]) {
        const expected = items.filter((_, i) => i % 2 === 1 && i % 4 === key).map((item) => (item.input as number[])[0]);
        expect(await app.client.entity(Tape, `many-${key}`).call.list()).toEqual(expected);
      }
      await expect(app.client.signalMany([{ id: { name: 'HotCounter', key: 'x' }, operation: 'nope' }])).rejects.toThrow(/nope/);
      await expect(app.client.signalMany('x' as never)).rejects.toThrow(/array/);
      await app.client.signalMany([]);
    });

    test('entities are listed by key prefix, a page at a time', async () => {
      for (const key of ['site1/a', 'site1/b', 'site1/c', 'site10/a', 'site2/a']) await app.client.entity(HotCounter, key).signal.add(1);
      await eventually(async () => (await app.client.entity(HotCounter, 'site2/a').read()).entityExists, 20_000);
      await eventually(async () => (await app.client.entities(HotCounter).list({ keyPrefix: 'site' })).entities.length === 5, 20_000);
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await app.client.entities(HotCounter).list({ keyPrefix: 'site1/', pageSize: 2, ...(token ? { continuationToken: token } : {}) });
        keys.push(...page.entities.map((e) => e.id.key));
        token = page.continuationToken;
      } while (token);
      expect(keys).toEqual(['site1/a', 'site1/b', 'site1/c']);
      const all = await app.client.listEntities({ keyPrefix: 'site1', fetchState: false });
      expect(all.entities.map((e) => e.id.key)).toEqual(['site1/a', 'site1/b', 'site1/c', 'site10/a']);
    });

    test('roll-ups keep the parent exact: committed changes only, deletes subtract, failed operations send nothing', async () => {
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 2_000; i++) sends.push(app.client.entity(LeafCounter, `g1/leaf${i % 7}`).signal.add(1 + (i % 3)));
      for (let i = 0; i < 500; i++) sends.push(app.client.entity(LeafCounter, `g2/leaf${i % 2}`).signal.add(2));
      await Promise.all(sends);
      const expected1 = Array.from({ length: 2_000 }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
      await eventually(
        async () =>
          (await app.client.entity(Breakdown, 'g1').call.get()).total === expected1 && (await app.client.entity(Breakdown, 'g2').call.get()).total === 1_000,
        20_000,
      );
      const leaf0 = (await app.client.entity(LeafCounter, 'g1/leaf0').read()).entityState!.value;
      expect((await app.client.entity(Breakdown, 'g1').call.get()).byName['leaf0']).toBe(leaf0);

      // A failed operation's change is rolled back, and so is its delta.
      await expect(app.client.entity(LeafCounter, 'g2/leaf0').call.addAtMost({ n: 10_000, limit: 5 })).rejects.toThrow(/over the limit/);
      // Deleting a child takes its value out of the parent.
      await app.client.entity(LeafCounter, 'g2/leaf1').delete();
      await eventually(async () => (await app.client.entity(Breakdown, 'g2').call.get()).total === 500, 20_000);
      expect((await app.client.entity(Breakdown, 'g2').call.get()).byName).toEqual({ leaf0: 500 });
    });

    test('tumbling windows by event time: queried by range, late data refused, old windows deleted durably', async () => {
      const windows = app.client.windows(ViewsPerWindow);
      // The previous window (still open: its lateness runs 1.9 s into the current one) and the current one.
      const size = windows.sizeMs;
      await new Promise((resolve) => setTimeout(resolve, size - (Date.now() % size) + 10));
      const current = Math.floor(Date.now() / size) * size;
      const times = [current - size + 5, current - 1, current + 1, current + 2];
      await Promise.all(times.map((t) => windows.window('cart', new Date(t)).signal.add(1)));
      await windows.window('other', new Date(current)).signal.add(5);
      await eventually(async () => (await windows.range('cart', new Date(current - size), new Date(current + size))).length === 2, 10_000);
      const range = await windows.range('cart', new Date(current - size), new Date(current + size));
      expect(range.map((w) => [w.start.getTime(), w.end.getTime() - w.start.getTime()])).toEqual([
        [current - size, size],
        [current, size],
      ]);
      expect(range.map((w) => w.state?.views)).toEqual([2, 2]);

      // A window whose end plus lateness has passed takes nothing more.
      const old = windows.window('cart', new Date(current - 3 * size));
      await expect(old.call.add(1)).rejects.toThrow(/LateDataError: The window .* closed at/);
      expect(new LateDataError('x').code).toBe('JETSTATE_LATE_DATA');
      // Event-time windows need the event's time; keys cannot contain the separator.
      expect(() => windows.window('cart')).toThrow(/event time/);
      expect(() => windows.window('a|b', new Date())).toThrow(/without '\|'/);

      // The current window as a stream.
      const live = await firstValueFrom(windows.current$('other').pipe(filter((w) => w.state !== undefined)));
      expect(live.state!.views).toBeGreaterThanOrEqual(5);

      // Retention: every window goes 4 s after its end, and state streams see it go.
      const firstKey = `cart|${String(current - size).padStart(15, '0')}`;
      const gone = firstValueFrom(app.client.entityState$({ name: 'ViewsPerWindow', key: firstKey }).pipe(filter((s) => !s.entityExists)));
      await eventually(async () => (await windows.range('cart', new Date(0), new Date(current + 10 * size))).length === 0, 20_000);
      await gone;
      expect((await app.client.entity(ViewsPerWindow, firstKey).read()).entityExists).toBe(false);
    });

    test('arrival-time windows take the client clock and refuse a given time', async () => {
      const windows = app.client.windows(ArrivalsPerMinute);
      await windows.window('k').signal.add(2);
      expect(() => windows.window('k', new Date())).toThrow(/arrival time/);
      const start = Math.floor(Date.now() / 60_000) * 60_000;
      await eventually(async () => (await windows.range('k', new Date(start - 60_000), new Date(start + 60_000))).some((w) => w.state?.count === 2), 10_000);
      expect(() => app.client.windows(HotCounter)).toThrow(/not windowed/);
    });

    test('the ready-made aggregators of jetstate/aggregators count, summarize, estimate, rank and bucket', async () => {
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 1_000; i++) {
        sends.push(app.client.entity(Clicks, 'c').signal.add(1));
        sends.push(app.client.entity(Latency, 'l').signal.add(summarize(i % 50)));
        sends.push(app.client.entity(Visitors, 'v').signal.add([`visitor-${i % 400}`]));
        sends.push(app.client.entity(Searches, 's').signal.add({ [`q${i % 10 === 0 ? 0 : i % 7}`]: 1 }));
        sends.push(app.client.entity(ResponseTimes, 'r').signal.add([i % 200]));
      }
      await Promise.all(sends);
      expect(await app.client.entity(Clicks, 'c').call.get()).toBe(1_000);
      expect(await app.client.entity(Latency, 'l').call.get()).toEqual({ count: 1_000, sum: 24_500, min: 0, max: 49, mean: 24.5 });
      const visitors = await app.client.entity(Visitors, 'v').call.estimate();
      expect(Math.abs(visitors - 400)).toBeLessThan(20);
      const top = await app.client.entity(Searches, 's').call.top(2);
      expect(top[0]).toEqual({ item: 'q0', count: 100 + Array.from({ length: 1_000 }, (_, i) => i).filter((i) => i % 10 !== 0 && i % 7 === 0).length });
      expect(top).toHaveLength(2);
      expect(await app.client.entity(ResponseTimes, 'r').call.get()).toEqual({ boundaries: [10, 100], counts: [50, 450, 500] });
    });
  });
}
