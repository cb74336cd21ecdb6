/**
 * What a SIGKILLed nats-server keeps of what it acknowledged, measured with nats.js alone
 * (no jetstate code): `node scripts/run-ts.mjs test/chaos/server-crash-probe.ts [options]`.
 *
 *   --rounds N       rounds (default 4)
 *   --kills N        SIGKILLs per round, in quick succession (default 5)
 *   --seconds S[-T]  seconds of load before each kill, drawn from S to T (default 2-7)
 *   --json           print the results as JSON on stdout (progress goes to stderr)
 *   --block-order    instead of rounds, lay one subject out by hand across two block files
 *                    and SIGKILL once, for each of a few layouts (crash-probe-block-order.ts)
 *
 * It loads one single-server file store the way a jetstate hub does: a log stream written
 * with message ids and read by a durable consumer (like `<hub>_WORK`), and three streams
 * that keep the last message of each subject, written with the same load: fenced writes
 * (`Nats-Expected-Last-Subject-Sequence` = the sequence of the subject's last acknowledged
 * write, as jetstate's snapshot commits do) on skewed subjects (a few hot ones per writer,
 * most cold), kept by `max_msgs_per_subject: 1`, by `max_msgs_per_subject: 8`, or by
 * `Nats-Rollup: sub` headers (like `<hub>_STATE` and `<hub>_TIMERS`).
 *
 * A round SIGKILLs the server several times in quick succession (load, kill, restart at
 * once, again), then checks: every acknowledged log publish must still be there, at its
 * sequence; each subject must serve its last acknowledged message. The fence is watched
 * throughout: a rejection names the server's last sequence of the subject, older than the
 * acknowledged one (a regression) or newer (an acknowledgement lost in the kill: benign).
 * The durable consumer's acknowledgement floor is compared before and after each kill, and
 * each round names the block files each stream has at its check (docs/nats.md explains why).
 *
 * Exits 1 if an acknowledged log message was lost or a rollup subject regressed (what
 * jetstate relies on); the `max_msgs_per_subject` streams' regressions are what is being
 * measured, not a failure (with `--block-order`: exits 1 if the rollup layout lost its newest
 * message). Exits 2 on bad arguments or when the probe itself fails.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { BLOCK_ORDER_CASES, blockOrderLine, keptNewest, runBlockOrderCase, type BlockOrderResult } from './crash-probe-block-order';
import { addLogStream, consumerFloor, LogLedger, readLog } from './crash-probe-log';
import { addCounts, addSubjectStreams, emptyCounts, SUBJECT_VARIANTS, SubjectLedger, type SubjectCounts } from './crash-probe-subjects';

interface ProbeOptions {
  readonly rounds: number;
  readonly kills: number;
  readonly minSeconds: number;
  readonly maxSeconds: number;
  readonly json: boolean;
  readonly blockOrder: boolean;
}

/** The durable consumer's acknowledgement floor just before a kill and after the restart. */
interface FloorAtKill {
  readonly before: number;
  readonly after: number;
}

/** The numbers of a stream's block files (`<n>.blk`) at a check, lowest to highest. */
type BlockNumbers = readonly number[];

interface RoundResult {
  readonly round: number;
  readonly log: { readonly acked: number; readonly missing: number };
  readonly subjects: Record<string, SubjectCounts>;
  readonly blocks: Record<string, BlockNumbers>;
  readonly floors: readonly FloorAtKill[];
}

function parseOptions(argv: readonly string[]): ProbeOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string', default: '4' },
      kills: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '2-7' },
      json: { type: 'boolean', default: false },
      'block-order': { type: 'boolean', default: false },
    },
  });
  const count = (name: string, value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a whole number of at least 1, not "${value}"`);
    return n;
  };
  const [min = '', max = min] = values.seconds.split('-');
  const minSeconds = Number(min);
  const maxSeconds = Number(max);
  if (!(minSeconds > 0) || !(maxSeconds >= minSeconds)) throw new Error(`--seconds needs S or S-T with 0 < S <= T, not "${values.seconds}"`);
  return {
    rounds: count('rounds', values.rounds),
    kills: count('kills', values.kills),
    minSeconds,
    maxSeconds,
    json: values.json,
    blockOrder: values['block-order'],
  };
}

async function setUp(server: NatsServer): Promise<void> {
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  await addLogStream(jsm);
  await addSubjectStreams(jsm);
  await nc.close();
}

/** Loads the server for `seconds`, SIGKILLs it in the middle of the load and starts it again at once. */
async function loadAndKill(server: NatsServer, log: LogLedger, ledgers: readonly SubjectLedger[], seconds: number): Promise<FloorAtKill> {
  const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const stop = { now: false };
  const load = Promise.all([log.write(js, stop), readLog(js, stop), ledgers.map((ledger) => ledger.write(js, jsm, stop))].flat());
  await delay(seconds * 1000);
  // What the server itself reports just before the kill.
  const before = await consumerFloor(jsm).catch(() => Number.NaN);
  await server.kill();
  stop.now = true;
  await nc.close().catch(() => undefined);
  await load;
  await server.start();
  const after = await withConnection(server, async (jsmAfter) => consumerFloor(jsmAfter));
  return { before, after };
}

async function withConnection<T>(server: NatsServer, use: (jsm: JetStreamManager, nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: server.url });
  try {
    return await use(await jetstreamManager(nc), nc);
  } finally {
    await nc.close();
  }
}

/**
 * The block files of a stream in the server's store. The server recovers them in the order of
 * their names (`10.blk` before `2.blk`), which is why the report shows them.
 */
async function blockNumbers(server: NatsServer, stream: string): Promise<BlockNumbers> {
  const files = await readdir(join(server.storeDir, 'jetstream', '$G', 'streams', stream, 'msgs'));
  return files
    .filter((file) => file.endsWith('.blk'))
    .map((file) => Number.parseInt(file, 10))
    .sort((a, b) => a - b);
}

async function runRound(round: number, options: ProbeOptions, server: NatsServer, log: LogLedger, ledgers: readonly SubjectLedger[]): Promise<RoundResult> {
  const floors: FloorAtKill[] = [];
  for (let kill = 1; kill <= options.kills; kill++) {
    const seconds = options.minSeconds + Math.random() * (options.maxSeconds - options.minSeconds);
    floors.push(await loadAndKill(server, log, ledgers, seconds));
  }
  return withConnection(server, async (jsm, nc) => {
    const logResult = await log.check(jetstream(nc), jsm);
    const subjects: Record<string, SubjectCounts> = {};
    const blocks: Record<string, BlockNumbers> = {};
    for (const ledger of ledgers) {
      subjects[ledger.variant.name] = await ledger.check(jsm);
      blocks[ledger.variant.name] = await blockNumbers(server, ledger.variant.stream);
    }
    return { round, log: logResult, subjects, blocks, floors };
  });
}

const number = (n: number): string => n.toLocaleString('en-US');

function floorSummary(floors: readonly FloorAtKill[]): string {
  const fellBack = floors.filter((f) => f.after < f.before);
  if (fellBack.length === 0) return `consumer ack floor kept at all ${floors.length} kills`;
  const largest = Math.max(...fellBack.map((f) => f.before - f.after));
  const toZero = fellBack.filter((f) => f.after === 0).length;
  return `consumer ack floor fell back at ${fellBack.length} of ${floors.length} kills, by up to ${number(largest)}${toZero > 0 ? `, to 0 at ${toZero}` : ''}`;
}

function roundLine(r: RoundResult): string {
  const variants = SUBJECT_VARIANTS.map((variant) => {
    const c = r.subjects[variant.name]!;
    const blocks = r.blocks[variant.name]!;
    const range = blocks.length === 0 ? 'no blocks' : `${blocks.length} blocks, ${blocks[0]}.blk to ${blocks.at(-1)}.blk`;
    return `${variant.name}: ${c.older} older, ${c.none} none of ${number(c.checked)}; fence ${c.fenceOlder} older (${c.acceptedOnOlder} writes accepted on it), ${c.fenceNewer} newer; ${range}`;
  });
  return [`round ${r.round}: log ${number(r.log.acked)} acknowledged, ${r.log.missing} missing`, ...variants, floorSummary(r.floors)].join(' | ');
}

function totals(results: readonly RoundResult[]): { log: { acked: number; missing: number }; subjects: Record<string, SubjectCounts> } {
  const log = { acked: 0, missing: 0 };
  const subjects: Record<string, SubjectCounts> = Object.fromEntries(SUBJECT_VARIANTS.map((v) => [v.name, emptyCounts()]));
  for (const r of results) {
    log.acked += r.log.acked;
    log.missing += r.log.missing;
    for (const variant of SUBJECT_VARIANTS) addCounts(subjects[variant.name]!, r.subjects[variant.name]!);
  }
  return { log, subjects };
}

function table(results: readonly RoundResult[], options: ProbeOptions): string {
  const { log, subjects } = totals(results);
  const header = ['stream', 'older at checks', 'none at checks', 'fence: older', 'accepted on older', 'fence: newer (benign)'];
  const rows = SUBJECT_VARIANTS.map((variant) => {
    const c = subjects[variant.name]!;
    return [variant.name, c.older, c.none, c.fenceOlder, c.acceptedOnOlder, c.fenceNewer].map(String);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const kills = results.length * options.kills;
  return [
    `${results.length} rounds, ${kills} SIGKILLs, ${options.minSeconds}-${options.maxSeconds} s of load before each`,
    line(header),
    ...rows.map(line),
    `log: ${number(log.acked)} acknowledged, ${number(log.missing)} missing`,
    floorSummary(results.flatMap((r) => r.floors)),
  ].join('\n');
}

/** True when something jetstate relies on was lost: an acknowledged log message, or a rollup subject's last message. */
function relyingLoss(results: readonly RoundResult[]): boolean {
  const { log, subjects } = totals(results);
  return log.missing > 0 || SUBJECT_VARIANTS.some((v) => v.rollup && subjects[v.name]!.older + subjects[v.name]!.none + subjects[v.name]!.fenceOlder > 0);
}

/** The `--block-order` mode: each layout on a fresh stream of one server; true if the rollup layout lost its newest message. */
async function runBlockOrder(options: ProbeOptions): Promise<boolean> {
  const progress = options.json ? process.stderr : process.stdout;
  const server = await startNatsServer();
  const results: BlockOrderResult[] = [];
  try {
    for (const layout of BLOCK_ORDER_CASES) {
      const result = await runBlockOrderCase(server, layout);
      results.push(result);
      progress.write(`${blockOrderLine(result)}\n`);
    }
  } finally {
    await server.dispose();
  }
  const failed = results.some((r) => r.rollup && !keptNewest(r));
  if (options.json) process.stdout.write(`${JSON.stringify({ options, layouts: results, failed }, null, 2)}\n`);
  return failed;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.blockOrder) {
    process.exitCode = (await runBlockOrder(options)) ? 1 : 0;
    return;
  }
  const progress = options.json ? process.stderr : process.stdout;
  const server = await startNatsServer();
  const results: RoundResult[] = [];
  try {
    await setUp(server);
    const log = new LogLedger();
    const ledgers = SUBJECT_VARIANTS.map((variant) => new SubjectLedger(variant));
    for (let round = 1; round <= options.rounds; round++) {
      const result = await runRound(round, options, server, log, ledgers);
      results.push(result);
      progress.write(`${roundLine(result)}\n`);
    }
  } finally {
    await server.dispose();
  }
  const failed = relyingLoss(results);
  if (options.json) process.stdout.write(`${JSON.stringify({ options, rounds: results, totals: totals(results), failed }, null, 2)}\n`);
  else process.stdout.write(`${table(results, options)}\n`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
