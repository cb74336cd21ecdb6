/**
 * With one server of a 3-server cluster down, nats-server before 2.9.12 places about one
 * one-replica consumer in three on the dead server and never answers its create. Workers
 * open such ordered consumers to catch up a partition's snapshots and to read its timers;
 * openOrderedConsumer tries again until one is placed on a live server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type Consumer } from '@nats-io/jetstream';
import { startNatsCluster, type NatsCluster } from '../../tools/nats-cluster';
import { ORDERED_CONSUMER_ATTEMPT_MS, openOrderedConsumer } from '../../src/engine/nats/ordered-consumers';
import { TransportError } from '../../src/errors';

const STREAM = 'PLACEMENT';
const MESSAGES = 5;
const CONSUMERS = 12;

let cluster: NatsCluster | undefined;
let nc: NatsConnection | undefined;

afterEach(async () => {
  await nc?.close();
  await cluster?.dispose();
  nc = undefined;
  cluster = undefined;
});

/** True for a server that may place a consumer on a dead peer (fixed in 2.9.12). */
function placesOnDeadPeers(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.-]/).map(Number);
  return major < 2 || (major === 2 && (minor < 9 || (minor === 9 && patch < 12)));
}

/** Reads the stream to its end through `open`'s consumer; the number of messages read. */
async function readAll(open: () => Promise<Consumer>): Promise<number> {
  const consumer = await open();
  const messages = await consumer.consume();
  let read = 0;
  for await (const msg of messages) {
    read++;
    if (msg.info.pending === 0) break;
  }
  messages.stop();
  return read;
}

describe('ordered consumers on a cluster with a server down', () => {
  it('open on a live server, where a single create hangs on about one try in three', { timeout: 180_000 }, async () => {
    cluster = await startNatsCluster(3);
    await cluster.ready();
    nc = await connect({ servers: cluster.members[0]!.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: STREAM, subjects: ['placement.>'], num_replicas: 3 });
    const js = jetstream(nc);
    for (let i = 0; i < MESSAGES; i++) await js.publish(`placement.${i}`, `m${i}`);

    await cluster.members[2]!.kill();
    // The stream answers again once it has a leader on a live server.
    await expect
      .poll(async () => (await jsm.streams.info(STREAM).catch(() => undefined))?.cluster?.leader ?? '', { timeout: 30_000, interval: 250 })
      .toMatch(/^s[12]$/);

    const short = jetstream(nc, { timeout: ORDERED_CONSUMER_ATTEMPT_MS });
    if (placesOnDeadPeers(nc.info?.version ?? '0.0.0')) {
      let hung = 0;
      for (let i = 0; i < CONSUMERS; i++) {
        await short.consumers.get(STREAM, { filter_subjects: 'placement.>' }).catch(() => hung++);
      }
      // (2/3)^12: one run in 130 would see no hung create by chance.
      expect(hung, 'single creates that were never answered').toBeGreaterThan(0);
    }

    for (let i = 0; i < CONSUMERS; i++) {
      const read = await readAll(() => openOrderedConsumer(short, STREAM, { filter_subjects: 'placement.>' }, 30_000));
      expect(read).toBe(MESSAGES);
    }
  });

  it('gives up with a TransportError once its deadline has passed', { timeout: 60_000 }, async () => {
    cluster = await startNatsCluster(3);
    await cluster.ready();
    nc = await connect({ servers: cluster.members[0]!.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: STREAM, subjects: ['placement.>'], num_replicas: 3 });
    // With two of three servers down the stream has no quorum: no create is ever answered.
    await Promise.all([cluster.members[1]!.kill(), cluster.members[2]!.kill()]);
    const short = jetstream(nc, { timeout: 500 });
    const began = Date.now();
    const error = await openOrderedConsumer(short, STREAM, { filter_subjects: 'placement.>' }, 2_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toMatch(/after \d+ tries/);
    expect(Date.now() - began).toBeGreaterThanOrEqual(2_000);
  });
});
