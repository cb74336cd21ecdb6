/**
 * What a SIGKILLed nats-server keeps of what it acknowledged, measured with nats.js alone
 * (no jetstate code): `node scripts/run-ts.mjs test/chaos/server-crash-probe.ts [rounds] [seconds]`.
 *
 * Each round loads one single-server file store the way a jetstate hub does, SIGKILLs the
 * server in the middle of it, starts it again on the same store and compares:
 * - a log stream (limits retention, like `<hub>_WORK`): every acknowledged publish must
 *   still be there, at the sequence its acknowledgement gave;
 * - a last-per-subject stream (`max_msgs_per_subject: 1`, like `<hub>_STATE`): the last
 *   message of each subject must be the last acknowledged one (each subject is written one
 *   publish after the other, so the last acknowledged is known);
 * - a durable consumer on the log with explicit acks: its acknowledgement floor after the
 *   restart, against the floor the server reported just before the kill.
 *
 * It prints one line a round and a total, and exits 1 if an acknowledged log message was
 * missing (the loss no client can repair).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, AckPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { setTimeout as delay } from 'node:timers/promises';
import { startNatsServer } from '../../tools/nats-server';

const LOG = 'PROBE_LOG';
const LAST = 'PROBE_LAST';
const LAST_SUBJECTS = 2_048;
const WRITERS = 64;
/** JetStream's error code for a lookup that found no message. */
// Sizes like jetstate's: an operation message of about 200 bytes, a snapshot of about 2 KB
// (so the last-per-subject stream fills several blocks and deletes in old ones).
const LOG_PADDING = 'x'.repeat(200);
const LAST_PADDING = 'y'.repeat(2_000);

interface RoundResult {
  logAcked: number;
  logMissing: number;
  lastChecked: number;
  lastOlder: number;
  lastMissing: number;
  consumerFloorBefore: number;
  consumerFloorAfter: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function setUp(jsm: JetStreamManager): Promise<void> {
  await jsm.streams.add({ name: LOG, subjects: ['log.>'], duplicate_window: 120_000_000_000 });
  await jsm.streams.add({ name: LAST, subjects: ['last.>'], max_msgs_per_subject: 1 });
  await jsm.consumers.add(LOG, { durable_name: 'reader', ack_policy: AckPolicy.Explicit, ack_wait: 2_000_000_000, max_ack_pending: 50_000 });
}

/** Publishes until `stop` is set; returns the acknowledged log sequences and each subject's last acknowledged value. */
function load(js: JetStreamClient, stop: { now: boolean }, round: number) {
  const logAcked = new Set<number>();
  const lastAcked = new Map<string, number>();
  let counter = 0;
  const logWriters = Array.from({ length: WRITERS }, async () => {
    while (!stop.now) {
      const n = ++counter;
      try {
        const ack = await js.publish(`log.${n % 32}`, encoder.encode(`${n} ${LOG_PADDING}`), { msgID: `r${round}-${n}`, timeout: 2_000 });
        logAcked.add(ack.seq);
      } catch {
        await delay(50);
      }
    }
  });
  // Each writer owns its subjects and writes each one publish after the other, so the last
  // value acknowledged per subject is known.
  const lastWriters = Array.from({ length: WRITERS }, async (_, w) => {
    for (let n = 1; !stop.now; n++) {
      const subject = `last.${w}.${n % (LAST_SUBJECTS / WRITERS)}`;
      try {
        await js.publish(subject, encoder.encode(`${n} ${LAST_PADDING}`), { timeout: 2_000 });
        lastAcked.set(subject, n);
      } catch {
        await delay(50);
      }
    }
  });
  const writers = [...logWriters, ...lastWriters];
  return { logAcked, lastAcked, done: Promise.all(writers) };
}

/** Reads and acknowledges the log until `stop` is set. */
function read(js: JetStreamClient, stop: { now: boolean }): Promise<void> {
  return (async () => {
    const consumer = await js.consumers.get(LOG, 'reader');
    while (!stop.now) {
      try {
        const batch = await consumer.fetch({ max_messages: 500, expires: 1_000 });
        for await (const msg of batch) msg.ack();
      } catch {
        await delay(50);
      }
    }
  })();
}

async function storedSeqs(js: JetStreamClient, jsm: JetStreamManager): Promise<Set<number>> {
  const seqs = new Set<number>();
  const info = await jsm.streams.info(LOG);
  if (info.state.messages === 0) return seqs;
  const messages = await (await js.consumers.get(LOG)).consume();
  for await (const msg of messages) {
    seqs.add(msg.seq);
    if (msg.info.pending === 0) break;
  }
  messages.stop();
  return seqs;
}

/** The value of the last message of `subject`, or undefined when the stream has none (other errors are retried). */
async function lastOf(jsm: JetStreamManager, subject: string): Promise<number | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const msg = await jsm.streams.getMessage(LAST, { last_by_subj: subject });
      return msg ? Number(decoder.decode(msg.data).split(' ')[0]) : undefined;
    } catch (error) {
      if (attempt === 5) throw error;
      await delay(200);
    }
  }
}

async function round(n: number, seconds: number, server: Awaited<ReturnType<typeof startNatsServer>>): Promise<RoundResult> {
  let nc: NatsConnection = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const js = jetstream(nc);
  const stop = { now: false };
  const loaded = load(js, stop, n);
  const reader = read(js, stop);
  await delay(seconds * 1000);
  // What the server itself reports just before the kill, which lands in the middle of the load.
  const consumerFloorBefore = (await (await jetstreamManager(nc)).consumers.info(LOG, 'reader')).ack_floor.stream_seq;
  await server.kill();
  stop.now = true;
  await nc.close().catch(() => undefined);
  await Promise.all([loaded.done, reader]);
  await server.start();
  nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  const stored = await storedSeqs(jetstream(nc), jsm);
  let logMissing = 0;
  for (const seq of loaded.logAcked) if (!stored.has(seq)) logMissing++;
  let lastOlder = 0;
  let lastMissing = 0;
  for (const [subject, value] of loaded.lastAcked) {
    const found = await lastOf(jsm, subject);
    if (found === undefined) lastMissing++;
    else if (found < value) lastOlder++;
  }
  const consumerFloorAfter = (await jsm.consumers.info(LOG, 'reader')).ack_floor.stream_seq;
  await nc.close();
  return { logAcked: loaded.logAcked.size, logMissing, lastChecked: loaded.lastAcked.size, lastOlder, lastMissing, consumerFloorBefore, consumerFloorAfter };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const seconds = Number(process.argv[3] ?? 8);
  const server = await startNatsServer();
  let lostTotal = 0;
  try {
    const setup = await connect({ servers: server.url });
    await setUp(await jetstreamManager(setup));
    await setup.close();
    for (let i = 1; i <= rounds; i++) {
      const r = await round(i, seconds, server);
      lostTotal += r.logMissing;
      process.stdout.write(
        `round ${i}: log ${r.logAcked} acknowledged, ${r.logMissing} missing after the restart | last-per-subject ${r.lastChecked} subjects, ${r.lastOlder} serve an older message, ${r.lastMissing} none | consumer ack floor ${r.consumerFloorBefore} before the kill, ${r.consumerFloorAfter} after\n`,
      );
    }
  } finally {
    await server.dispose();
  }
  process.stdout.write(lostTotal === 0 ? 'every acknowledged log message survived\n' : `${lostTotal} acknowledged log messages lost\n`);
  process.exitCode = lostTotal === 0 ? 0 : 1;
}

void main();
