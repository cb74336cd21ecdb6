import { randomBytes } from 'node:crypto';
import { connect, createInbox, headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { DEFAULT_PARTITION_COUNT } from '../../src/engine/partitioner';
import { sendFor } from './bounded-producer';
import { startCpuMeter, type CpuBusy } from './cpu-usage';
import { nowMs } from './stats';
import { HubLayout, wireSignal, type WireSignal } from './wire-signal';

/** One publishing method measured for `durationMs`: nats.js and nats-server alone, no jetstate. */
export interface PublishRate {
  /** Publishes acknowledged by JetStream per second. */
  readonly perSecond: number;
  readonly published: number;
  readonly elapsedMs: number;
  /** Cores the publisher (`bench`, this process) and nats-server (`server`) kept busy. */
  readonly cpu: CpuBusy;
}

/** What one JetStream ceiling repetition measured. */
export interface NatsCeilingSample {
  /**
   * The ceiling: `js.publish` on a default connection (as jetstate connects), each with a
   * `msgID`, `maxInFlight` outstanding.
   */
  readonly jsPublish: PublishRate;
  /** The same on a connection made with `noAsyncTraces: true` (no `Error` captured per request). */
  readonly jsPublishNoTraces: PublishRate;
  /**
   * The same messages and headers sent with core `nc.publish` and a reply subject under one
   * wildcard subscription that matches each PubAck to its publish: no per-request timer,
   * promise chain or `Error`. What the server takes when the client is not the limit.
   */
  readonly muxPublish: PublishRate;
  /** Size of one message body (a JSON `add(1)` signal, as jetstate sends it). */
  readonly messageBytes: number;
  readonly serverVersion: string;
}

export interface NatsCeilingSettings {
  readonly durationMs: number;
  readonly maxInFlight: number;
  /** Replicas of the measured stream (default 1; 3 or 5 on a cluster). */
  readonly replicas?: 1 | 3 | 5;
}

/** The stream settings of a hub's `<hub>_WORK` (see `connectHub`): file storage, work-queue retention, 2-minute duplicate window. */
const DUPLICATE_WINDOW_MS = 2 * 60_000;

let streams = 0;

type Publisher = (signal: WireSignal) => Promise<unknown>;

/**
 * Publishes signal-sized messages, exactly as jetstate encodes an `add(1)` signal to one of
 * 1,000 keys (same subjects, body and `Nats-Msg-Id`), into a fresh stream configured like
 * `<hub>_WORK`, for `durationMs` with `maxInFlight` publishes outstanding, after a short
 * unreported phase. Each method gets its own stream, deleted afterwards; the stream must
 * hold exactly the acknowledged messages.
 */
async function measureRate(
  nc: NatsConnection,
  jsm: JetStreamManager,
  serverPids: readonly number[],
  settings: NatsCeilingSettings,
  publisher: Publisher,
): Promise<PublishRate & { messageBytes: number }> {
  const layout = new HubLayout(`ceil${process.pid}_${++streams}`);
  await jsm.streams.add({
    name: layout.workStream,
    subjects: [layout.workFilter()],
    retention: RetentionPolicy.Workqueue,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: settings.replicas ?? 1,
  });
  try {
    const clientId = randomBytes(9).toString('base64url');
    let seq = 0;
    let messageBytes = 0;
    const publish = (): Promise<unknown> => {
      const n = ++seq;
      const signal = wireSignal(layout, DEFAULT_PARTITION_COUNT, clientId, n, `k${n % 1000}`);
      messageBytes = signal.data.length;
      return publisher(signal);
    };
    // JIT, connection buffers, the stream's first blocks.
    await sendFor(Math.min(200, settings.durationMs), settings.maxInFlight, publish, nowMs);
    const cpu = startCpuMeter({ bench: [process.pid], server: serverPids });
    const { sent, elapsedMs } = await sendFor(settings.durationMs, settings.maxInFlight, publish, nowMs);
    const busy = cpu();
    const info = await jsm.streams.info(layout.workStream);
    if (info.state.messages !== seq) {
      throw new Error(`JetStream ceiling: ${seq} messages were acknowledged but the stream holds ${info.state.messages}.`);
    }
    await nc.flush();
    return { perSecond: sent / (elapsedMs / 1000), published: sent, elapsedMs, cpu: busy, messageBytes };
  } finally {
    await jsm.streams.delete(layout.workStream).catch(() => undefined);
  }
}

/** A publisher that sends with core NATS and matches PubAcks itself, through one wildcard reply subscription. */
function muxPublisher(nc: NatsConnection): Publisher {
  const prefix = createInbox();
  const pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  const decoder = new TextDecoder();
  nc.subscribe(`${prefix}.*`, {
    callback: (_error, msg) => {
      const token = msg.subject.slice(prefix.length + 1);
      const waiter = pending.get(token);
      if (!waiter) return;
      pending.delete(token);
      const ack = JSON.parse(decoder.decode(msg.data)) as { error?: { description?: string } };
      if (ack.error) waiter.reject(new Error(`PubAck error: ${ack.error.description}`));
      else waiter.resolve();
    },
  });
  let next = 0;
  return (signal) => {
    const token = (++next).toString(36);
    const h = headers();
    h.set('Nats-Msg-Id', signal.msgID);
    const acked = new Promise<void>((resolve, reject) => pending.set(token, { resolve, reject }));
    nc.publish(signal.subject, signal.data, { reply: `${prefix}.${token}`, headers: h });
    return acked;
  };
}

/** Measures the three publishing methods, each on its own connection and stream. */
export async function measureNatsCeiling(
  url: string | readonly string[],
  serverPids: readonly number[],
  settings: NatsCeilingSettings,
): Promise<NatsCeilingSample> {
  const run = async <T>(noAsyncTraces: boolean, fn: (nc: NatsConnection, jsm: JetStreamManager) => Promise<T>): Promise<T> => {
    const nc = await connect({ servers: typeof url === 'string' ? url : [...url], name: 'jetstate-bench:ceiling', noAsyncTraces });
    try {
      return await fn(nc, await jetstreamManager(nc));
    } finally {
      await nc.close();
    }
  };
  let serverVersion = 'unknown';
  const jsPublish = await run(false, (nc, jsm) => {
    serverVersion = nc.info?.version ?? serverVersion;
    const js = jetstream(nc);
    return measureRate(nc, jsm, serverPids, settings, (s) => js.publish(s.subject, s.data, { msgID: s.msgID }));
  });
  const jsPublishNoTraces = await run(true, (nc, jsm) => {
    const js = jetstream(nc);
    return measureRate(nc, jsm, serverPids, settings, (s) => js.publish(s.subject, s.data, { msgID: s.msgID }));
  });
  const muxPublish = await run(false, (nc, jsm) => measureRate(nc, jsm, serverPids, settings, muxPublisher(nc)));
  const strip = ({ messageBytes: _bytes, ...rate }: PublishRate & { messageBytes: number }): PublishRate => rate;
  return {
    jsPublish: strip(jsPublish),
    jsPublishNoTraces: strip(jsPublishNoTraces),
    muxPublish: strip(muxPublish),
    messageBytes: jsPublish.messageBytes,
    serverVersion,
  };
}
