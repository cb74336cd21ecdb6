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
 * - a durable consumer on the log with explicit acks: its acknowledgement floor, against
 *   the floor the client had reached (every message at or below it acknowledged).
 *
 * It prints one line a round and a total, and exits 1 if an acknowledged log message was
 * missing (the loss no client can repair).
 */
import { AckPolicy, connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { setTimeout as delay } from 'node:timers/promises';
import { startNatsServer } from '../nats/nats-server';

const LOG = 'PROBE_LOG';
const LAST = 'PROBE_LAST';
const LAST_SUBJECTS = 2_048;
const WRITERS = 64;

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
        const ack = await js.publish(`log.${n % 32}`, encoder.encode(String(n)), { msgID: `r${round}-${n}`, timeout: 2_000 });
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
        await js.publish(subject, encoder.encode(String(n)), { timeout: 2_000 });
        lastAcked.set(subject, n);
      } catch {
        await delay(50);
      }
    }
  });
  const writers = [...logWriters, ...lastWriters];
  return { logAcked, lastAcked, done: Promise.all(writers) };
}

/** Acknowledges the log as it is read; returns the highest sequence below which everything was acknowledged. */
function read(js: JetStreamClient, stop: { now: boolean }) {
  const state = { floor: 0 };
  const done = (async () => {
    const acked = new Set<number>();
    const consumer = await js.consumers.get(LOG, 'reader');
    state.floor = (await consumer.info()).ack_floor.stream_seq;
    while (!stop.now) {
      try {
        const batch = await consumer.fetch({ max_messages: 500, expires: 1_000 });
        for await (const msg of batch) {
          msg.ack();
          acked.add(msg.seq);
          while (acked.has(state.floor + 1)) acked.delete(++state.floor);
        }
      } catch {
        await delay(50);
      }
    }
  })();
  return { state, done };
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

async function round(n: number, seconds: number, server: Awaited<ReturnType<typeof startNatsServer>>): Promise<RoundResult> {
  let nc: NatsConnection = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const js = nc.jetstream();
  const stop = { now: false };
  const loaded = load(js, stop, n);
  const reader = read(js, stop);
  await delay(seconds * 1000);
  // The kill lands in the middle of the load.
  await server.kill();
  stop.now = true;
  const consumerFloorBefore = reader.state.floor;
  await nc.close().catch(() => undefined);
  await Promise.all([loaded.done, reader.done]);
  await server.start();
  nc = await connect({ servers: server.url });
  const jsm = await nc.jetstreamManager();
  const stored = await storedSeqs(nc.jetstream(), jsm);
  let logMissing = 0;
  for (const seq of loaded.logAcked) if (!stored.has(seq)) logMissing++;
  let lastOlder = 0;
  let lastMissing = 0;
  await Promise.all(
    [...loaded.lastAcked].map(async ([subject, value]) => {
      try {
        const msg = await jsm.streams.getMessage(LAST, { last_by_subj: subject });
        if (Number(decoder.decode(msg.data)) < value) lastOlder++;
      } catch {
        lastMissing++;
      }
    }),
  );
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
    await setUp(await setup.jetstreamManager());
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
