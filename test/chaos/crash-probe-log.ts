import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * The log half of the server crash probe: a limits-retention stream written with message
 * ids (like `<hub>_WORK`), a durable consumer reading and acknowledging it, and the ledger
 * of the publishes the server acknowledged.
 */

export const LOG_STREAM = 'PROBE_LOG';
const READER = 'reader';
const WRITERS = 32;
// About the size of a jetstate operation message.
const PADDING = 'x'.repeat(200);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function addLogStream(jsm: JetStreamManager): Promise<void> {
  await jsm.streams.add({ name: LOG_STREAM, subjects: ['log.>'], duplicate_window: 120_000_000_000 });
  await jsm.consumers.add(LOG_STREAM, { durable_name: READER, ack_policy: AckPolicy.Explicit, ack_wait: 2_000_000_000, max_ack_pending: 50_000 });
}

/** The log publishes acknowledged since the last check: sequence to the value the message carries. */
export class LogLedger {
  private readonly acked = new Map<number, number>();
  private counter = 0;

  /** Publishes until `stop` is set. */
  write(js: JetStreamClient, stop: { now: boolean }): Promise<void> {
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      while (!stop.now) {
        const n = ++this.counter;
        try {
          const ack = await js.publish(`log.${w}`, encoder.encode(`${n} ${PADDING}`), { msgID: `m${n}`, timeout: 2_000 });
          if (!ack.duplicate) this.acked.set(ack.seq, n);
        } catch {
          await delay(50);
        }
      }
    });
    return Promise.all(writers).then(() => undefined);
  }

  /**
   * Reads the log from the oldest sequence acknowledged since the last check and counts the
   * acknowledged publishes that are not there, or whose sequence now holds another message.
   */
  async check(js: JetStreamClient, jsm: JetStreamManager): Promise<{ acked: number; missing: number }> {
    const acked = this.acked.size;
    if (acked === 0) return { acked, missing: 0 };
    const stored = new Map<number, number>();
    let first = Number.MAX_SAFE_INTEGER;
    for (const seq of this.acked.keys()) first = Math.min(first, seq);
    const info = await jsm.streams.info(LOG_STREAM);
    if (info.state.last_seq >= first) {
      const consumer = await js.consumers.get(LOG_STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: first });
      const messages = await consumer.consume();
      for await (const msg of messages) {
        stored.set(msg.seq, Number(decoder.decode(msg.data).split(' ')[0]));
        if (msg.info.pending === 0) break;
      }
      messages.stop();
    }
    let missing = 0;
    for (const [seq, n] of this.acked) if (stored.get(seq) !== n) missing++;
    this.acked.clear();
    return { acked, missing };
  }
}

/** Reads and acknowledges the log with the durable consumer until `stop` is set. */
export async function readLog(js: JetStreamClient, stop: { now: boolean }): Promise<void> {
  while (!stop.now) {
    try {
      const consumer = await js.consumers.get(LOG_STREAM, READER);
      const batch = await consumer.fetch({ max_messages: 500, expires: 1_000 });
      for await (const msg of batch) msg.ack();
    } catch {
      await delay(50);
    }
  }
}

/** The sequence up to which the durable consumer's acknowledgements are all recorded. */
export async function consumerFloor(jsm: JetStreamManager): Promise<number> {
  return (await jsm.consumers.info(LOG_STREAM, READER)).ack_floor.stream_seq;
}
