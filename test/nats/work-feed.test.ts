/**
 * A partition that replaces its consumer (after a reconnection or a state regression) must
 * not run anything the old consumer still yields: those inputs would run ahead of the
 * replay of older ones and push entities' `lastAppliedSeq` past inputs that are then
 * skipped as duplicates. nats.js keeps yielding a chunk it already took after `stop()`;
 * these tests pin that behaviour down and check that the engine's feed does not.
 */
import { jetstream, jetstreamManager, AckPolicy, type ConsumerMessages, type JetStreamManager } from '@nats-io/jetstream';
import { setTimeout as delay } from 'node:timers/promises';
import { beforeAll, describe, expect, test } from 'vitest';
import { WorkFeed } from '../../src/engine/nats/work-feed';
import { useSharedNatsServer } from './shared-nats-server';

const MESSAGES = 200;

describe('stopping a partition consumer', () => {
  const shared = useSharedNatsServer('wf');
  let jsm: JetStreamManager;
  beforeAll(async () => {
    jsm = await jetstreamManager(shared.raw);
  });

  /** A stream of MESSAGES messages and a consumer of them (nats.js pulls once it is iterated). */
  async function consumer(): Promise<{ messages: ConsumerMessages; allDelivered: () => Promise<void> }> {
    const name = shared.nextHub();
    await jsm.streams.add({ name, subjects: [`${name}.>`] });
    const js = jetstream(shared.raw);
    await Promise.all(Array.from({ length: MESSAGES }, (_, i) => js.publish(`${name}.x`, new TextEncoder().encode(String(i)))));
    await jsm.consumers.add(name, { durable_name: 'c', ack_policy: AckPolicy.Explicit });
    const messages = await (await js.consumers.get(name, 'c')).consume({ max_messages: MESSAGES });
    return {
      messages,
      // Called while the first delivery is being handled: afterwards the client holds the rest in one chunk.
      async allDelivered() {
        const deadline = Date.now() + 10_000;
        while ((await jsm.consumers.info(name, 'c')).delivered.stream_seq < MESSAGES && Date.now() < deadline) await delay(50);
        // The server sent them all; give the client a moment to read them off the socket.
        await delay(300);
      },
    };
  }

  test('nats.js yields what it had already buffered after stop()', async () => {
    const { messages, allDelivered } = await consumer();
    const seen: number[] = [];
    let stoppedAt = 0;
    for await (const msg of messages) {
      seen.push(msg.seq);
      if (msg.seq === 1) await allDelivered();
      // By now the rest is buffered and taken as one chunk; stop in the middle of it.
      if (msg.seq === MESSAGES / 2) {
        messages.stop();
        stoppedAt = seen.length;
      }
    }
    expect(stoppedAt).toBe(MESSAGES / 2);
    expect(seen.length).toBeGreaterThan(stoppedAt);
  });

  test('the partition’s feed hands on nothing once stopped', async () => {
    const { messages, allDelivered } = await consumer();
    const feed = new WorkFeed(messages);
    const handled: number[] = [];
    await feed.run(async (msg) => {
      handled.push(msg.seq);
      if (msg.seq === 1) await allDelivered();
      if (msg.seq === 3) feed.stop();
    });
    expect(handled).toEqual([1, 2, 3]);
    expect(feed.isStopped).toBe(true);
  });

  test('a stop from another task while a delivery is handled takes effect at the next one', async () => {
    const { messages, allDelivered } = await consumer();
    const feed = new WorkFeed(messages);
    const handled: number[] = [];
    await feed.run(async (msg) => {
      handled.push(msg.seq);
      if (msg.seq === 1) await allDelivered();
      // A restart stops the feed while this delivery is being handled.
      if (msg.seq === 5) await new Promise<void>((resolve) => setImmediate(() => (feed.stop(), resolve())));
    });
    expect(handled).toEqual([1, 2, 3, 4, 5]);
  });
});
