import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { firstValueFrom, filter } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { DurableApp, DurableClient, ErrorCode, InvalidOptionsError, OperationFailedError, PayloadTooLargeError, TransportError } from '../../src/index';
import { partitionOf } from '../../src/internal';
import { Counter, Journal } from '../contract/fixtures';
import { Relay } from './nats-fixtures';
import { tempDir } from '../helpers';
import { useSharedNatsServer } from './shared-nats-server';

describe('NATS engine specifics', () => {
  const shared = useSharedNatsServer('n');
  const { open, nextHub } = shared;

  async function worker(hub: string, partitionCount?: number, dataDir?: string): Promise<DurableApp> {
    const app = await DurableApp.create({
      entities: [Counter, Journal, Relay],
      nats: shared.server.url,
      hub,
      logger: { level: 'silent' },
      leaseTimeMs: 3000,
      ...(partitionCount === undefined ? {} : { partitionCount }),
      ...(dataDir === undefined ? {} : { dataDir }),
    });
    open.push(app);
    await app.start();
    return app;
  }

  async function client(hub: string): Promise<DurableClient> {
    const connected = await DurableClient.connect({ nats: shared.server.url, hub, logger: { level: 'silent' } });
    open.push({ stop: () => connected.close() });
    return connected;
  }

  test('a client-only process reaches the workers: signals, calls, reads and state$ across connections', async () => {
    const hub = nextHub();
    await worker(hub);
    const remote = await client(hub);
    const counter = remote.entity(Counter, 'remote');
    const reached = firstValueFrom(counter.state$.pipe(filter((c) => c.value === 5)));
    await counter.signal.add(2);
    await counter.signal.add(3);
    expect(await counter.call.get()).toBe(5);
    const state = await reached;
    expect(state).toBeInstanceOf(Counter);
    expect((await counter.read()).entityState?.value).toBe(5);
    // The untyped API works by name without the class.
    expect(await remote.callEntity({ name: 'Counter', key: 'remote' }, 'get')).toBe(5);
  });

  test('malformed messages go to the dead-letter stream with their reason and never block the partition', async () => {
    const hub = nextHub();
    const app = await worker(hub);
    const p = partitionOf({ name: 'Counter', key: 'k' }, 32);
    const js = jetstream(shared.raw);
    const subject = `${hub}.w.${p}.Counter.k`;
    await js.publish(subject, new TextEncoder().encode('{not json'));
    await js.publish(subject, new TextEncoder().encode(JSON.stringify({ id: 'x1', target: { name: 'Ghost', key: 'k' }, operation: 'boo', kind: 'signal' })));
    await js.publish(
      subject,
      new TextEncoder().encode(JSON.stringify({ id: 'x2', target: { name: 'Counter', key: 'k' }, operation: 'explode', kind: 'signal' })),
    );
    await js.publish(
      subject,
      new TextEncoder().encode(JSON.stringify({ id: 'x3', target: { name: 'Counter', key: 'k' }, operation: 'add', kind: 'signal', input: 4 })),
    );
    expect(await app.client.entity(Counter, 'k').call.get()).toBe(4);
    expect(app.stats().deadLettered).toBe(3);
    const jsm = await jetstreamManager(shared.raw);
    const reasons: string[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      const dead = await jsm.streams.getMessage(`${hub}_DLQ`, { seq });
      if (!dead) throw new Error(`dead letter ${seq} is missing`);
      expect(dead.header.get('Jetstate-Subject')).toBe(subject);
      reasons.push(dead.header.get('Jetstate-Reason'));
    }
    expect(reasons[0]).toMatch(/^not JSON/);
    expect(reasons[1]).toBe("unknown entity 'Ghost'");
    expect(reasons[2]).toBe("entity 'Counter' has no operation 'explode'");
  });

  test('a signal an entity sent, published again after the server forgot its message id, is applied once', async () => {
    const hub = nextHub();
    const app = await worker(hub);
    // Watch what the relay publishes to the journal's work subject.
    const sent = shared.raw.subscribe(`${hub}.w.*.Journal.relayed`, { max: 1 });
    await app.client.entity(Relay, 'r').signal.forward('a');
    let copy: Uint8Array | undefined;
    for await (const msg of sent) copy = msg.data;
    expect(JSON.parse(new TextDecoder().decode(copy)).origin).toEqual({ entity: 'Relay/r', n: 1 });
    expect(await app.client.entity(Journal, 'relayed').call.read()).toEqual(['aa']);
    // What a re-sent outbox looks like once JetStream's duplicate window no longer has the id
    // (a server restart, or a retry after the window): the same message under a new stream sequence.
    const duplicatesBefore = app.stats().duplicates;
    await jetstream(shared.raw).publish(`${hub}.w.${partitionOf({ name: 'Journal', key: 'relayed' }, 32)}.Journal.relayed`, copy!, { msgID: 'another-id' });
    await app.client.entity(Relay, 'r').signal.forward('b');
    await expect.poll(() => app.client.entity(Journal, 'relayed').call.read(), { timeout: 10_000 }).toEqual(['aa', 'bb']);
    expect(app.stats().duplicates).toBe(duplicatesBefore + 1);
  });

  test('a message over the server max_payload is refused before publishing', async () => {
    const hub = nextHub();
    const app = await worker(hub);
    const jsm = await jetstreamManager(shared.raw);
    const before = (await jsm.streams.info(`${hub}_WORK`)).state.last_seq;
    const error = await app.client
      .entity(Journal, 'big')
      .signal.append('x'.repeat(1100 * 1024))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).limit).toBe(1024 * 1024);
    expect((await jsm.streams.info(`${hub}_WORK`)).state.last_seq).toBe(before);
  });

  test('an operation that would grow the state past what a snapshot can carry fails and keeps the state', async () => {
    const hub = nextHub();
    const app = await worker(hub);
    const journal = app.client.entity(Journal, 'growing');
    await journal.call.append('a'.repeat(600 * 1024));
    const error = await journal.call.append('b'.repeat(600 * 1024)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationFailedError);
    expect((error as OperationFailedError).remoteName).toBe('SerializationError');
    expect((await journal.call.read()).map((entry) => entry.length)).toEqual([600 * 1024]);
  });

  test('hubs on one server are independent', async () => {
    const [a, b] = [nextHub(), nextHub()];
    const [appA, appB] = [await worker(a), await worker(b)];
    await appA.client.entity(Counter, 'same').call.increment();
    await appB.client.entity(Counter, 'same').signal.add(10);
    expect(await appA.client.entity(Counter, 'same').call.get()).toBe(1);
    expect(await appB.client.entity(Counter, 'same').call.get()).toBe(10);
  });

  test('a hub keeps the partition count it was created with; asking for another is refused', async () => {
    const hub = nextHub();
    await worker(hub, 8);
    await expect(worker(hub, 16)).rejects.toThrow(InvalidOptionsError);
    await expect(worker(hub, 16)).rejects.toThrow(/has 8 partitions/);
    const second = await worker(hub);
    await expect.poll(() => second.stats().partitions.length + (open[0] as DurableApp).stats().partitions.length, { timeout: 10_000 }).toBe(8);
  });

  test('a worker that comes back catches its local snapshot copy up with changes made while it was away', async () => {
    const hub = nextHub();
    const [dirA, dirB] = [await tempDir(), await tempDir()];
    try {
      const first = await worker(hub, undefined, dirA.path);
      await Promise.all(['k1', 'k2', 'k3'].map((key) => first.client.entity(Counter, key).call.increment()));
      await first.stop();
      const other = await worker(hub, undefined, dirB.path);
      await other.client.entity(Counter, 'k1').signal.add(100);
      await other.client.entity(Counter, 'k4').call.increment();
      expect(await other.client.entity(Counter, 'k1').call.get()).toBe(101);
      await other.stop();
      const back = await worker(hub, undefined, dirA.path);
      // Every call advances lastAppliedSeq, so a stale local copy would trip the fence (counted below).
      expect(await back.client.entity(Counter, 'k1').call.get()).toBe(101);
      expect(await back.client.entity(Counter, 'k2').call.get()).toBe(1);
      expect(await back.client.entity(Counter, 'k4').call.get()).toBe(1);
      expect(await back.client.entity(Counter, 'k1').call.increment()).toBe(102);
      // Caught up before serving: no commit had to be refused for a stale local copy.
      expect(back.stats().fenced).toBe(0);
    } finally {
      await Promise.all(open.splice(0).map((app) => app.stop()));
      await Promise.all([dirA.remove(), dirB.remove()]);
    }
  });

  test('a signal sent by an operation that is too large fails that operation instead of stalling the partition', async () => {
    const hub = nextHub();
    const app = await worker(hub);
    const error = await app.client
      .entity(Relay, 'r')
      .call.forward('x'.repeat(600 * 1024))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationFailedError);
    expect((error as OperationFailedError).remoteName).toBe('PayloadTooLargeError');
    expect(await app.client.entity(Relay, 'r').call.count()).toBe(0);
    expect(await app.client.entity(Counter, 'after').call.increment()).toBe(1);
  });

  test('a call whose result is too large fails and is rolled back; the partition keeps going', async () => {
    const hub = nextHub();
    const app = await worker(hub);
    const journal = app.client.entity(Journal, 'j');
    await journal.call.append('y'.repeat(400 * 1024));
    await journal.call.append('z'.repeat(400 * 1024));
    const error = await journal.call.appendAndEcho('w'.repeat(10 * 1024)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationFailedError);
    expect((error as OperationFailedError).remoteName).toBe('PayloadTooLargeError');
    expect((await journal.call.read()).length).toBe(2);
  });

  test('a call that is dead-lettered is answered with the reason at once', async () => {
    const hub = nextHub();
    await worker(hub);
    const remote = await client(hub);
    const error = await remote.callEntity({ name: 'Unhosted', key: 'k' }, 'anything').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationFailedError);
    expect((error as OperationFailedError).remoteName).toBe('MessageRejected');
    expect((error as OperationFailedError).remoteCode).toBe(ErrorCode.MessageRejected);
    expect((error as OperationFailedError).remoteMessage).toContain("unknown entity 'Unhosted'");
  });

  test('options that only apply to one engine are refused on the other', async () => {
    await expect(DurableApp.create({ hub: 'x', logger: { level: 'silent' } })).rejects.toThrow(/only apply on NATS/);
    await expect(DurableApp.create({ activityAckWaitMs: 5_000, logger: { level: 'silent' } })).rejects.toThrow(/activityAckWaitMs only apply on NATS/);
    await expect(DurableApp.create({ nats: shared.server.url, activityAckWaitMs: 0, logger: { level: 'silent' } })).rejects.toThrow(
      /activityAckWaitMs must be an integer from 1 to 3600000, got 0/,
    );
    await expect(DurableApp.create({ nats: shared.server.url, durability: 'relaxed', logger: { level: 'silent' } })).rejects.toThrow(
      /durability applies to the embedded engine/,
    );
    await expect(DurableClient.connect({ nats: shared.server.url, hubb: 'x' } as never)).rejects.toThrow(/Unknown option 'hubb'/);
  });

  test('an unreachable server is reported with a TransportError that says what to check', async () => {
    const unreachable = 'nats://127.0.0.1:1';
    const app = DurableApp.create({ entities: [Counter], nats: unreachable, logger: { level: 'silent' } });
    await expect(app).rejects.toBeInstanceOf(TransportError);
    await expect(DurableClient.connect({ nats: unreachable, logger: { level: 'silent' } })).rejects.toThrow(/Check that nats-server is running with JetStream/);
  });

  test('starting again reuses the hub streams and buckets', async () => {
    const hub = nextHub();
    const first = await worker(hub);
    await first.client.entity(Counter, 'kept').call.increment();
    await first.stop();
    const second = await worker(hub);
    expect(await second.client.entity(Counter, 'kept').call.increment()).toBe(2);
    const jsm = await jetstreamManager(shared.raw);
    const names: string[] = [];
    for await (const info of jsm.streams.list())
      if (info.config.name.startsWith(`${hub}_`) || info.config.name.startsWith(`KV_${hub}_`)) names.push(info.config.name);
    expect(names.sort()).toEqual(
      [`KV_${hub}_config`, `KV_${hub}_leases`, `KV_${hub}_workers`, `${hub}_ACT`, `${hub}_DLQ`, `${hub}_STATE`, `${hub}_TIMERS`, `${hub}_WORK`].sort(),
    );
  });
});
