import { randomBytes } from 'node:crypto';
import { DiscardPolicy, RetentionPolicy, StorageType, connect, nanos } from 'nats';
import { DEFAULT_PARTITION_COUNT } from '../src/engine/partitioner';
import { sendFor } from './bounded-producer';
import { nowMs } from './stats';
import { HubLayout, wireSignal } from './wire-signal';

/** What one JetStream ceiling repetition measured: nats.js and nats-server alone, no jetstate. */
export interface NatsCeilingSample {
  /** Acknowledged `js.publish` calls per second, `maxInFlight` outstanding, each with a `msgID`. */
  readonly publishesPerSecond: number;
  readonly published: number;
  readonly elapsedMs: number;
  /** Size of one message body (a JSON `add(1)` signal, as jetstate sends it). */
  readonly messageBytes: number;
}

export interface NatsCeilingSettings {
  readonly durationMs: number;
  readonly maxInFlight: number;
}

/** The stream settings of a hub's `<hub>_WORK` (see `connectHub`): file storage, work-queue retention, 2-minute duplicate window. */
const DUPLICATE_WINDOW_MS = 2 * 60_000;

let streams = 0;

/**
 * Publishes signal-sized messages, exactly as jetstate encodes an `add(1)` signal to one of
 * 1,000 keys, into a fresh stream configured like `<hub>_WORK`, for `durationMs` with
 * `maxInFlight` publishes outstanding; every publish carries a unique `msgID`, so the
 * server checks it against its duplicate window as it does for jetstate. The stream is
 * deleted afterwards.
 */
export async function measureNatsCeiling(url: string, settings: NatsCeilingSettings): Promise<NatsCeilingSample> {
  const nc = await connect({ servers: url, name: 'jetstate-bench:ceiling' });
  const layout = new HubLayout(`ceil${process.pid}_${++streams}`);
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({
      name: layout.workStream,
      subjects: [layout.workFilter()],
      retention: RetentionPolicy.Workqueue,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      num_replicas: 1,
    });
    try {
      const js = nc.jetstream();
      const clientId = randomBytes(9).toString('base64url');
      let seq = 0;
      const publish = (): Promise<unknown> => {
        const n = ++seq;
        const signal = wireSignal(layout, DEFAULT_PARTITION_COUNT, clientId, n, `k${n % 1000}`);
        return js.publish(signal.subject, signal.data, { msgID: signal.msgID });
      };
      // A short unreported phase first: JIT, connection buffers, the stream's first blocks.
      await sendFor(Math.min(200, settings.durationMs), settings.maxInFlight, publish, nowMs);
      const { sent, elapsedMs } = await sendFor(settings.durationMs, settings.maxInFlight, publish, nowMs);
      const info = await jsm.streams.info(layout.workStream);
      if (info.state.messages !== seq) {
        throw new Error(`JetStream ceiling: ${seq} messages were acknowledged but the stream holds ${info.state.messages}.`);
      }
      return {
        publishesPerSecond: sent / (elapsedMs / 1000),
        published: sent,
        elapsedMs,
        messageBytes: wireSignal(layout, DEFAULT_PARTITION_COUNT, clientId, seq, `k${seq % 1000}`).data.length,
      };
    } finally {
      await jsm.streams.delete(layout.workStream).catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}
