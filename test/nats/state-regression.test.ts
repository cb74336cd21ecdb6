/**
 * Recovery from snapshots a NATS server lost. A nats-server killed under load can come back
 * serving an older snapshot of an entity than one it acknowledged, or none at all, while
 * the inputs that snapshot covered stay acknowledged. These tests put the server's state
 * stream in exactly that condition by hand (replacing an entity's latest snapshot with an
 * older one, or deleting it) and check that the worker notices, repairs the entity from its
 * local copy or from the retained inputs, and never applies new work on the rolled-back
 * state; and that it halts the partition when the inputs it would need are gone.
 */
import { jetstream, jetstreamManager, AckPolicy, DeliverPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { beforeAll, describe, expect, test } from 'vitest';
import { DurableApp, type DurableAppOptions } from '../../src/index';
import { partitionOf } from '../../src/internal';
import { Counter } from '../contract/fixtures';
import { ACTIVITIES, HelloSequence, ORCHESTRATION_ENTITIES, ORCHESTRATORS } from '../contract/orchestration-fixtures';
import { tempDir } from '../helpers';
import { useSharedNatsServer } from './shared-nats-server';

const PARTITIONS = 32;

describe('NATS recovery from snapshots the server lost', () => {
  const shared = useSharedNatsServer('rg');
  const { open, nextHub } = shared;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    jsm = await jetstreamManager(shared.raw);
  });

  async function worker(hub: string, options: Partial<DurableAppOptions> = {}): Promise<DurableApp> {
    const app = await DurableApp.create({
      entities: [Counter, ...ORCHESTRATION_ENTITIES],
      orchestrators: ORCHESTRATORS,
      activities: ACTIVITIES,
      nats: shared.server.url,
      hub,
      logger: { level: 'silent' },
      leaseTimeMs: 3000,
      partitionCount: PARTITIONS,
      ...options,
    });
    open.push(app);
    await app.start();
    return app;
  }

  function stateSubject(hub: string, name: string, key: string): string {
    return `${hub}.s.${partitionOf({ name, key }, PARTITIONS)}.${name}.${key}`;
  }

  async function latestSnapshot(hub: string, name: string, key: string): Promise<{ seq: number; data: Uint8Array }> {
    const msg = await jsm.streams.getMessage(`${hub}_STATE`, { last_by_subj: stateSubject(hub, name, key) });
    if (!msg) throw new Error(`no snapshot of ${name}/${key}`);
    return { seq: msg.seq, data: msg.data };
  }

  /** What a server back from a crash may serve: an older snapshot in place of the latest one. */
  async function rollBack(hub: string, name: string, key: string, older: Uint8Array): Promise<void> {
    const latest = await latestSnapshot(hub, name, key);
    await jsm.streams.deleteMessage(`${hub}_STATE`, latest.seq);
    await jetstream(shared.raw).publish(stateSubject(hub, name, key), older);
  }

  /** What a server back from a crash may serve: no snapshot at all. */
  async function lose(hub: string, name: string, key: string): Promise<void> {
    await jsm.streams.purge(`${hub}_STATE`, { filter: stateSubject(hub, name, key) });
  }

  async function addOnes(app: DurableApp, key: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) await app.client.entity(Counter, key).signal.add(1);
    await app.client.entity(Counter, key).call.get();
  }

  test('an older snapshot on the server is repaired from the worker’s local copy, and counted', async () => {
    const hub = nextHub();
    const dir = await tempDir();
    try {
      const app = await worker(hub, { dataDir: dir.path });
      await addOnes(app, 'stale', 2);
      const older = (await latestSnapshot(hub, 'Counter', 'stale')).data;
      await addOnes(app, 'stale', 3);
      await rollBack(hub, 'Counter', 'stale', older);
      expect(app.stats().stateRegressions).toBe(0);

      await app.client.entity(Counter, 'stale').signal.add(1);
      expect(await app.client.entity(Counter, 'stale').call.get()).toBe(6);
      expect(app.stats().stateRegressions).toBeGreaterThanOrEqual(1);
      expect(app.stats().haltedPartitions).toEqual([]);
      expect((await app.client.entity(Counter, 'stale').read()).entityState?.value).toBe(6);
    } finally {
      await dir.remove();
    }
  });

  test('without a local copy, an older snapshot than the worker committed is rebuilt from the retained inputs', async () => {
    const hub = nextHub();
    const app = await worker(hub);
    await addOnes(app, 'no-copy', 2);
    const older = (await latestSnapshot(hub, 'Counter', 'no-copy')).data;
    await addOnes(app, 'no-copy', 3);
    await rollBack(hub, 'Counter', 'no-copy', older);

    await app.client.entity(Counter, 'no-copy').signal.add(1);
    expect(await app.client.entity(Counter, 'no-copy').call.get()).toBe(6);
    expect(app.stats().stateRegressions).toBeGreaterThanOrEqual(1);
    expect((await app.client.entity(Counter, 'no-copy').read()).entityState?.value).toBe(6);
  });

  // The race this guards against (the old consumer's leftover deliveries running ahead of the
  // replay) depends on timing; work-feed.test.ts pins it down deterministically.
  test('a consumer restart in the middle of a burst (a rolled-back snapshot found) applies every input of the partition exactly once', async () => {
    const hub = nextHub();
    const app = await worker(hub);
    const partition = partitionOf({ name: 'Counter', key: 'burst-victim' }, PARTITIONS);
    const neighbours = Array.from({ length: 2000 }, (_, i) => `burst-${i}`)
      .filter((key) => partitionOf({ name: 'Counter', key }, PARTITIONS) === partition)
      .slice(0, 8);
    await addOnes(app, 'burst-victim', 2);
    const older = (await latestSnapshot(hub, 'Counter', 'burst-victim')).data;
    await addOnes(app, 'burst-victim', 3);
    for (const key of neighbours) await app.client.entity(Counter, key).call.get();
    await rollBack(hub, 'Counter', 'burst-victim', older);

    // A burst for the partition's other entities; the victim's next signal, in the middle of
    // it, finds its snapshot rolled back and restarts the partition's consumer.
    const perKey = 400;
    const sending: Promise<void>[] = [];
    for (let round = 0; round < perKey; round++) {
      for (const key of neighbours) sending.push(app.client.entity(Counter, key).signal.add(1));
      if (round === perKey / 4) sending.push(app.client.entity(Counter, 'burst-victim').signal.add(1));
    }
    await Promise.all(sending);

    expect(await app.client.entity(Counter, 'burst-victim').call.get()).toBe(6);
    for (const key of neighbours) expect(await app.client.entity(Counter, key).call.get(), key).toBe(perKey);
    expect(app.stats().stateRegressions).toBeGreaterThanOrEqual(1);
  });

  test('a missing snapshot is rebuilt by the next owner from the retained inputs', async () => {
    const hub = nextHub();
    const first = await worker(hub);
    await addOnes(first, 'missing', 5);
    await first.stop();
    await lose(hub, 'Counter', 'missing');

    const next = await worker(hub);
    await next.client.entity(Counter, 'missing').signal.add(1);
    expect(await next.client.entity(Counter, 'missing').call.get()).toBe(6);
    expect(next.stats().stateRegressions).toBeGreaterThanOrEqual(1);
    expect(next.stats().haltedPartitions).toEqual([]);
  });

  test('a lost orchestration history is rebuilt from the retained inputs: the instance stays completed with its output', async () => {
    const hub = nextHub();
    const first = await worker(hub);
    const handle = await first.client.startNew(HelloSequence, ['Tokyo', 'Seattle'], { instanceId: 'lost-history' });
    const done = await handle.waitForCompletion({ timeout: 20_000 });
    expect(done.runtimeStatus).toBe('Completed');
    await first.stop();
    await lose(hub, '$orchestration', 'lost-history');

    const next = await worker(hub);
    const status = await next.client.getHandle('lost-history').waitForCompletion({ timeout: 20_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(['Hello Tokyo!', 'Hello Seattle!']);
    expect(next.stats().stateRegressions).toBeGreaterThanOrEqual(1);
  });

  test('a partition halts instead of applying new work when the inputs needed to rebuild a lost snapshot were purged', async () => {
    const hub = nextHub();
    const partition = partitionOf({ name: 'Counter', key: 'purged' }, PARTITIONS);
    // The entity's first inputs are purged (kept 1 ms: gone at the next sample, about a second later)...
    const first = await worker(hub, { inputRetentionMs: 1 });
    await addOnes(first, 'purged', 5);
    const kv = await new Kvm(shared.raw).open(`${hub}_config`);
    const deadline = Date.now() + 15_000;
    while ((await kv.get(`purged.p${partition}`)) === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(Number((await kv.get(`purged.p${partition}`))?.string())).toBeGreaterThan(1);
    await first.stop();
    // ...its later ones are kept...
    const second = await worker(hub);
    await addOnes(second, 'purged', 2);
    expect(await second.client.entity(Counter, 'purged').call.get()).toBe(7);
    await second.stop();
    // ...and the server loses its snapshot.
    await lose(hub, 'Counter', 'purged');

    const next = await worker(hub);
    await next.client.entity(Counter, 'purged').signal.add(100);
    const haltDeadline = Date.now() + 15_000;
    while (!next.stats().haltedPartitions.includes(partition) && Date.now() < haltDeadline) await new Promise((r) => setTimeout(r, 100));
    expect(next.stats().haltedPartitions).toEqual([partition]);
    // Nothing was applied on the state the server lost: not the kept inputs, not the new signal.
    await new Promise((r) => setTimeout(r, 500));
    expect((await next.client.entity(Counter, 'purged').read()).entityExists).toBe(false);
    // Other partitions go on.
    const other = Array.from({ length: 100 }, (_, i) => `other-${i}`).find((key) => partitionOf({ name: 'Counter', key }, PARTITIONS) !== partition)!;
    await next.client.entity(Counter, other).signal.add(2);
    expect(await next.client.entity(Counter, other).call.get()).toBe(2);
  });

  test('the halt holds when the server also lost the consumer’s acknowledgement floor: the floor recorded in the config bucket stands in for it', async () => {
    const hub = nextHub();
    const partition = partitionOf({ name: 'Counter', key: 'floorless' }, PARTITIONS);
    const kv = await new Kvm(shared.raw).open(`${hub}_config`);
    const recorded = async (key: string): Promise<number> => Number((await kv.get(`${key}.p${partition}`))?.string() ?? 0);
    // The entity's first inputs are purged...
    const first = await worker(hub, { inputRetentionMs: 1 });
    await addOnes(first, 'floorless', 5);
    let deadline = Date.now() + 15_000;
    while ((await recorded('purged')) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await recorded('purged')).toBeGreaterThan(1);
    await first.stop();
    // ...its later ones are kept, and the floor that covers them is recorded...
    const second = await worker(hub, { inputRetentionMs: 60_000 });
    await addOnes(second, 'floorless', 2);
    expect(await second.client.entity(Counter, 'floorless').call.get()).toBe(7);
    const lastInput = (await jsm.streams.info(`${hub}_WORK`)).state.last_seq;
    deadline = Date.now() + 20_000;
    while ((await recorded('floor')) < lastInput && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await recorded('floor')).toBeGreaterThanOrEqual(lastInput);
    await second.stop();
    // ...then the server loses the entity's snapshot and, as a SIGKILL can, the consumer's floor.
    await lose(hub, 'Counter', 'floorless');
    await jsm.consumers.delete(`${hub}_WORK`, `p${partition}`);
    await jsm.consumers.add(`${hub}_WORK`, {
      durable_name: `p${partition}`,
      filter_subject: `${hub}.w.${partition}.>`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
    });
    expect((await jsm.consumers.info(`${hub}_WORK`, `p${partition}`)).ack_floor.stream_seq).toBe(0);

    const next = await worker(hub);
    await next.client.entity(Counter, 'floorless').signal.add(100);
    const haltDeadline = Date.now() + 15_000;
    while (!next.stats().haltedPartitions.includes(partition) && Date.now() < haltDeadline) await new Promise((r) => setTimeout(r, 100));
    expect(next.stats().haltedPartitions).toEqual([partition]);
    // Rebuilding from the kept inputs alone would have made it 102, silently.
    await new Promise((r) => setTimeout(r, 500));
    expect((await next.client.entity(Counter, 'floorless').read()).entityExists).toBe(false);
    // Three workers one after the other, and the floor is sampled every 5 s: more than the default 30 s on a busy machine.
  }, 90_000);
});
