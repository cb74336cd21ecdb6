/**
 * Shared machinery of the NATS failover tests: a scenario (a nats-server, a hub, worker
 * processes, clients, a temp directory), worker processes that report through files, a
 * burst of numbered signals, and the exactly-once check of what the entities recorded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { DurableClient } from '../../src/index';
import { partitionOf } from '../../src/internal';
import { ownerOf } from '../../src/engine/nats/partition-leases';
import { tempDir } from '../helpers';
import { startNatsCluster, type NatsCluster } from '../../tools/nats-cluster';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { ALL_LEDGER_KEYS, ALL_RELAY_KEYS, Ledger, Relay, ledgerKey, relayKey } from './fixtures/entities';
import type { WorkerConfig } from './fixtures/worker-child';

export const PARTITIONS = 32;

// Worker processes run plain Node on tsc's output, not through the test transform.
const CHILD = join(process.cwd(), 'build/test/nats-failover/fixtures/worker-child.js');

export function requireCompiledChild(): void {
  if (!existsSync(CHILD)) {
    throw new Error(`${CHILD} is missing: run \`npm run compile\` before these tests (npm test does it).`);
  }
}

export function partitionOfLedger(key: string): number {
  return partitionOf({ name: 'Ledger', key }, PARTITIONS);
}

export function partitionOfRelay(key: string): number {
  return partitionOf({ name: 'Relay', key }, PARTITIONS);
}

// ---- waiting -------------------------------------------------------------------------

/** Polls `check` until it holds; throws `what` (and `explain()`) after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  explain: () => string | Promise<string> = () => '',
  pollMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms. ${await explain()}`);
    await delay(pollMs);
  }
}

// ---- worker processes ----------------------------------------------------------------

export interface StatsLine {
  readonly at: number;
  readonly partitions: number[];
  readonly fenced: number;
  readonly applied: number;
  readonly duplicates: number;
  readonly backlog: number;
  readonly signalsReceived: number;
  readonly messagesApplied: number;
}

/** A line of a worker's pino log. */
export interface LogLine {
  readonly time: number;
  readonly level: number;
  readonly msg?: string;
  readonly partition?: number;
  readonly why?: string;
  readonly err?: { readonly message?: string };
}

interface ReportLine {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A worker child process and what it reported. */
export class WorkerProcess {
  readonly events: ReportLine[] = [];
  latest: StatsLine | undefined;
  /** Every stats line, in order. */
  readonly history: StatsLine[] = [];
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Set when the test ends the process on purpose. */
  expectedExit = false;
  private stderr = '';
  private offset = 0;
  private partial = '';

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly reportFile: string,
    readonly logFile: string,
  ) {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    child.on('exit', (code, signal) => (this.exit = { code, signal }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Reads what the process reported since the last call. */
  poll(): void {
    const fd = openSync(this.reportFile, 'r');
    try {
      const buffer = Buffer.alloc(1 << 16);
      for (;;) {
        const bytes = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (bytes === 0) break;
        this.offset += bytes;
        this.partial += buffer.toString('utf8', 0, bytes);
      }
    } finally {
      closeSync(fd);
    }
    const lines = this.partial.split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      const parsed = JSON.parse(line) as ReportLine;
      if (parsed.type === 'stats') {
        this.latest = parsed as unknown as StatsLine;
        this.history.push(this.latest);
      } else this.events.push(parsed);
    }
  }

  /** The partitions the process reported owning last (after reading new reports). */
  partitions(): number[] {
    this.poll();
    return this.latest?.partitions ?? [];
  }

  /** The process's log lines (pino JSON). */
  log(): LogLine[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** SIGKILLs the process and waits until it is gone. */
  async kill(): Promise<void> {
    this.expectedExit = true;
    if (!this.alive) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await gone;
  }

  describe(): string {
    this.poll();
    const exit = this.exit ? ` exited(code ${this.exit.code}, signal ${this.exit.signal})` : '';
    return `${this.name}[pid ${this.pid}]${exit} partitions=${JSON.stringify(this.latest?.partitions ?? null)} fenced=${this.latest?.fenced ?? '?'} applied=${this.latest?.applied ?? '?'}${this.stderr ? ` stderr: ${this.stderr.slice(-2000)}` : ''}`;
  }
}

// ---- scenarios -----------------------------------------------------------------------

const scenarios = new Set<Scenario>();

// Should the test process go away without its hooks running, no child outlives it.
process.once('exit', () => {
  for (const scenario of scenarios) scenario.killAllSync();
});

/** A nats-server, a hub on it, worker processes and clients; everything is torn down by {@link disposeScenarios}. */
export class Scenario {
  readonly workers: WorkerProcess[] = [];
  private readonly clients: DurableClient[] = [];
  private readonly bursts: Burst[] = [];
  private readonly closers: (() => Promise<void>)[] = [];
  private spawned = 0;

  private constructor(
    readonly server: NatsServer,
    readonly raw: NatsConnection,
    readonly dir: string,
    readonly hub: string,
    readonly leaseTimeMs: number,
    /** Set when the scenario runs on a cluster (then `server` is unused). */
    readonly cluster?: NatsCluster,
  ) {}

  /** A scenario on a 3-server JetStream cluster whose hub keeps 3 replicas of everything. */
  static async openCluster(hub: string, leaseTimeMs: number): Promise<Scenario> {
    const dir = await tempDir('jetstate-cluster-');
    let cluster: NatsCluster | undefined;
    try {
      cluster = await startNatsCluster(3);
      const raw = await connect({ servers: cluster.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      const unused = { url: cluster.urls[0]!, dispose: () => cluster!.dispose() } as NatsServer;
      const scenario = new Scenario(unused, raw, dir.path, hub, leaseTimeMs, cluster);
      scenario.closers.push(dir.remove);
      scenarios.add(scenario);
      return scenario;
    } catch (error) {
      await cluster?.dispose();
      await dir.remove();
      throw error;
    }
  }

  /** The server URL(s) a process connects to: a cluster member's (by index), or the single server's. */
  private serversFor(member: number | undefined): string | string[] {
    if (!this.cluster) return this.server.url;
    return member === undefined ? this.cluster.urls : this.cluster.urls[member]!;
  }

  static async open(hub: string, leaseTimeMs: number): Promise<Scenario> {
    const dir = await tempDir('jetstate-failover-');
    let server: NatsServer | undefined;
    try {
      server = await startNatsServer();
      const raw = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      const scenario = new Scenario(server, raw, dir.path, hub, leaseTimeMs);
      scenario.closers.push(dir.remove);
      scenarios.add(scenario);
      return scenario;
    } catch (error) {
      await server?.dispose();
      await dir.remove();
      throw error;
    }
  }

  /** Starts a worker process and waits until it reported ready. */
  async spawnWorker(name: string, options: { holdGate?: string; member?: number } = {}): Promise<WorkerProcess> {
    const base = join(this.dir, `${name}-${++this.spawned}`);
    await mkdir(base, { recursive: true });
    const config: WorkerConfig = {
      nats: this.serversFor(options.member),
      ...(this.cluster ? { replicas: 3 as const } : {}),
      hub: this.hub,
      dataDir: join(base, 'data'),
      report: join(base, 'report.jsonl'),
      log: join(base, 'log.jsonl'),
      leaseTimeMs: this.leaseTimeMs,
      ...(options.holdGate === undefined ? {} : { holdGate: options.holdGate }),
    };
    await writeFile(config.report, '');
    const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const worker = new WorkerProcess(name, child, config.report, config.log);
    this.workers.push(worker);
    await waitFor(
      `${name} ready`,
      () => {
        if (!worker.alive) throw new Error(`${name} exited before it was ready: ${worker.describe()}`);
        worker.poll();
        return worker.events.some((e) => e.type === 'ready');
      },
      20_000,
      () => worker.describe(),
    );
    return worker;
  }

  /** Starts a burst from `client`; {@link dispose} stops it before closing the clients. */
  burst(client: DurableClient, options: BurstOptions): Burst {
    const burst = new Burst(client, options);
    this.bursts.push(burst);
    return burst.start();
  }

  async client(member?: number): Promise<DurableClient> {
    const client = await DurableClient.connect({ nats: this.serversFor(member), hub: this.hub, logger: { level: 'silent' } });
    this.clients.push(client);
    return client;
  }

  /** Throws if a worker died that the test did not end. */
  assertWorkersAlive(): void {
    const dead = this.workers.filter((w) => !w.alive && !w.expectedExit);
    if (dead.length > 0) throw new Error(`worker process(es) died unexpectedly: ${dead.map((w) => w.describe()).join(' | ')}`);
  }

  describeWorkers(): string {
    return this.workers.map((w) => w.describe()).join(' | ');
  }

  /**
   * Inputs in `<hub>_WORK` not yet committed: those a partition's consumer has not had
   * acknowledged (inputs stay in the stream for a while after that), and every input of a
   * partition that has no consumer.
   */
  async workPending(): Promise<number> {
    const jsm = await jetstreamManager(this.raw);
    const consumed = new Set<number>();
    let pending = 0;
    for await (const c of jsm.consumers.list(`${this.hub}_WORK`)) {
      consumed.add(Number(c.name.slice(1)));
      pending += c.num_pending + c.num_ack_pending;
    }
    const info = await jsm.streams.info(`${this.hub}_WORK`, { subjects_filter: '>' });
    for (const [subject, count] of Object.entries(info.state.subjects ?? {})) {
      if (!consumed.has(Number(subject.split('.')[2]))) pending += count;
    }
    return pending;
  }

  /** The worker id holding each partition's lease (absent: no live lease). */
  async leaseHolders(): Promise<Map<number, string>> {
    const kv = await new Kvm(this.raw).open(`${this.hub}_leases`);
    const holders = new Map<number, string>();
    for (let p = 0; p < PARTITIONS; p++) {
      const entry = await kv.get(`p${p}`);
      if (entry && entry.operation === 'PUT') holders.set(p, entry.string());
    }
    return holders;
  }

  /** Live worker heartbeats in `<hub>_workers`. */
  async liveWorkerIds(): Promise<string[]> {
    // Before the first worker starts, the bucket does not exist yet: no worker is live.
    const streams = await jetstreamManager(this.raw);
    const exists = await streams.streams.info(`KV_${this.hub}_workers`).then(
      () => true,
      (error: unknown) => (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound ? false : Promise.reject(error)),
    );
    if (!exists) return [];
    const kv = await new Kvm(this.raw).open(`${this.hub}_workers`);
    const ids: string[] = [];
    for await (const key of await kv.keys()) ids.push(key);
    return ids;
  }

  /**
   * Whether `workers` (all of the hub's live workers) agree on a stable assignment: every
   * partition leased to the worker rendezvous hashing picks among the live heartbeats, and
   * reported by exactly one of the processes, whose partitions all carry one lease holder.
   */
  async agreeOnAssignment(workers: readonly WorkerProcess[]): Promise<boolean> {
    const views = ownership(workers);
    if (!covers(views)) return false;
    try {
      const live = await this.liveWorkerIds();
      if (live.length !== workers.length) return false;
      const holders = await this.leaseHolders();
      for (let p = 0; p < PARTITIONS; p++) {
        if (holders.get(p) === undefined || holders.get(p) !== ownerOf(p, live)) return false;
      }
      return views.every((view) => new Set(view.map((p) => holders.get(p))).size <= 1) && covers(ownership(workers));
    } catch {
      return false; // the server may be coming back
    }
  }

  /** What is left in `<hub>_WORK`, per subject, and each partition consumer's position: for failure messages. */
  async describeWork(): Promise<string> {
    try {
      const jsm = await jetstreamManager(this.raw);
      const info = await jsm.streams.info(`${this.hub}_WORK`, { subjects_filter: '>' });
      const subjects = Object.entries(info.state.subjects ?? {}).map(([subject, n]) => `${subject}=${n}`);
      const consumers: string[] = [];
      for await (const c of jsm.consumers.list(`${this.hub}_WORK`)) {
        if (c.num_pending > 0 || c.num_ack_pending > 0) {
          consumers.push(
            `${c.name}: pending ${c.num_pending}, ack pending ${c.num_ack_pending}, delivered ${c.delivered.consumer_seq}/${c.delivered.stream_seq}, ack floor ${c.ack_floor.stream_seq}, redelivered ${c.num_redelivered}, waiting ${c.num_waiting}`,
          );
        }
      }
      return `work stream: ${info.state.messages} messages [${subjects.slice(0, 40).join(' ')}]; consumers with work: [${consumers.join('; ')}]`;
    } catch (error) {
      return `work stream unreadable: ${String(error)}`;
    }
  }

  /** The workers' warnings and errors (pino level 40 and up), last `limit` of each. */
  describeLogs(limit = 15): string {
    return this.workers
      .map((w) => {
        const lines = w.log().filter((l) => (l.level ?? 0) >= 40);
        return `${w.name}: ${lines
          .slice(-limit)
          .map(
            (l) => `${l.msg}${l.partition === undefined ? '' : ` p${l.partition}`}${l.why ? ` (${l.why})` : ''}${l.err?.message ? ` [${l.err.message}]` : ''}`,
          )
          .join(' / ')}`;
      })
      .join('\n');
  }

  killAllSync(): void {
    for (const worker of this.workers) {
      if (worker.alive) {
        worker.expectedExit = true;
        worker.child.kill('SIGKILL');
      }
    }
  }

  async dispose(): Promise<void> {
    scenarios.delete(this);
    await Promise.allSettled(this.bursts.map((b) => Promise.race([b.stop(), delay(10_000)])));
    await Promise.all(this.workers.map((w) => w.kill()));
    // Set JETSTATE_FAILOVER_KEEP to a directory to keep the workers' reports and logs.
    const keep = process.env.JETSTATE_FAILOVER_KEEP;
    if (keep) await cp(this.dir, join(keep, `${this.hub}-${Date.now()}`), { recursive: true, filter: (src) => !src.includes('/data') }).catch(() => undefined);
    await Promise.allSettled(this.clients.map((c) => c.close()));
    await this.raw.close().catch(() => undefined);
    await this.server.dispose();
    for (const close of this.closers.splice(0)) await close();
  }
}

/** For afterEach: kills every worker, stops the servers and removes the temp directories. */
export async function disposeScenarios(): Promise<void> {
  const all = [...scenarios];
  await Promise.allSettled(all.map((s) => s.dispose()));
}

// ---- ownership -----------------------------------------------------------------------

/** The partitions each worker reported last. */
export function ownership(workers: readonly WorkerProcess[]): number[][] {
  return workers.map((w) => w.partitions());
}

/** Every partition is owned, each by exactly one of `views`. */
export function covers(views: readonly (readonly number[])[]): boolean {
  const union = new Set(views.flat());
  return union.size === PARTITIONS && views.reduce((sum, v) => sum + v.length, 0) === PARTITIONS;
}

/** Partitions that appear in more than one view. */
export function overlaps(views: readonly (readonly number[])[]): number[] {
  const seen = new Map<number, number>();
  for (const view of views) for (const p of view) seen.set(p, (seen.get(p) ?? 0) + 1);
  return [...seen]
    .filter(([, count]) => count > 1)
    .map(([p]) => p)
    .sort((a, b) => a - b);
}

// ---- bursts of numbered signals ------------------------------------------------------

export type Kind = 'direct' | 'relay' | 'hold';

export interface BurstOptions {
  /** Signals in flight at once. */
  readonly window: number;
  /** The first number; numbers go up by one, skipping those `accept` refuses. */
  readonly first: number;
  /** Stop after this many signals (default: until {@link Burst.stop}). */
  readonly count?: number;
  /** Which numbers to send (default: all). */
  readonly accept?: (n: number) => boolean;
  /** Every `relayEvery`-th number goes through a Relay (default 3). */
  readonly relayEvery?: number;
  /** Send the mergeable `Ledger.recordAll([n])` and `Relay.forwardMerged(n)` instead (default false). */
  readonly merged?: boolean;
  /** Each of the `window` slots waits this long after a signal settles before sending the next (default 0). */
  readonly pauseMs?: number;
}

/**
 * Sends numbered signals from a client, `window` at a time: `Ledger.record(n)` directly, or
 * `Relay.forward(n)` (which records n and signals `Ledger.record(n)` from inside the
 * operation). Records what was sent, acknowledged (the promise resolved) and rejected.
 */
export class Burst {
  readonly sent = new Map<number, Kind>();
  readonly acked = new Set<number>();
  readonly rejected = new Map<number, string>();
  private next: number;
  private remaining: number;
  private stopped = false;
  private inFlight = 0;
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private finished: (() => void) | undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly client: DurableClient,
    private readonly options: BurstOptions,
  ) {
    this.next = options.first;
    this.remaining = options.count ?? Number.POSITIVE_INFINITY;
    this.done = new Promise((resolve) => (this.finished = resolve));
  }

  start(): this {
    for (let i = 0; i < this.options.window; i++) this.sendNext();
    this.checkDone();
    return this;
  }

  /** Sends no more; `done` resolves once the signals in flight settled. */
  stop(): Promise<void> {
    this.stopped = true;
    this.checkDone();
    return this.done;
  }

  /** Resolves once `count` signals were acknowledged. */
  acknowledged(count: number): Promise<void> {
    if (this.acked.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Sends one signal of the given kind outside the burst's numbering (tracked the same way). */
  sendOne(n: number, kind: Kind): Promise<void> {
    this.sent.set(n, kind);
    const merged = this.options.merged === true;
    const signalled =
      kind === 'relay'
        ? merged
          ? this.client.entity(Relay, relayKey(n)).signal.forwardMerged(n)
          : this.client.entity(Relay, relayKey(n)).signal.forward(n)
        : kind === 'hold'
          ? this.client.entity(Ledger, ledgerKey(n)).signal.hold(n)
          : merged
            ? this.client.entity(Ledger, ledgerKey(n)).signal.recordAll([n])
            : this.client.entity(Ledger, ledgerKey(n)).signal.record(n);
    return signalled.then(
      () => {
        this.acked.add(n);
        for (const waiter of [...this.waiters]) {
          if (this.acked.size >= waiter.count) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      },
      (error: unknown) => {
        this.rejected.set(n, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      },
    );
  }

  private sendNext(): void {
    if (this.stopped || this.remaining <= 0) return;
    let n = this.next++;
    while (this.options.accept && !this.options.accept(n)) n = this.next++;
    this.remaining--;
    this.inFlight++;
    const kind: Kind = n % (this.options.relayEvery ?? 3) === 0 ? 'relay' : 'direct';
    void this.sendOne(n, kind).then(async () => {
      // After a failure (the server may be away), pause instead of spinning through numbers.
      if (this.rejected.has(n)) await delay(50);
      else if (this.options.pauseMs) await delay(this.options.pauseMs);
      this.inFlight--;
      this.sendNext();
      this.checkDone();
    });
  }

  private checkDone(): void {
    if (this.inFlight === 0 && (this.stopped || this.remaining <= 0)) this.finished?.();
  }
}

// ---- the exactly-once check ----------------------------------------------------------

export interface EntityLists {
  readonly ledger: ReadonlyMap<string, readonly number[]>;
  readonly relay: ReadonlyMap<string, readonly number[]>;
}

/** The committed state of every Ledger and Relay (read from the state stream, not through a worker). */
export async function readLists(client: DurableClient): Promise<EntityLists> {
  const ledger = await Promise.all(ALL_LEDGER_KEYS.map(async (key) => (await client.entity(Ledger, key).read()).entityState?.records ?? []));
  const relay = await Promise.all(ALL_RELAY_KEYS.map(async (key) => (await client.entity(Relay, key).read()).entityState?.forwarded ?? []));
  return {
    ledger: new Map(ALL_LEDGER_KEYS.map((key, i) => [key, ledger[i]!])),
    relay: new Map(ALL_RELAY_KEYS.map((key, i) => [key, relay[i]!])),
  };
}

function counts(lists: ReadonlyMap<string, readonly number[]>, keyOf: (n: number) => string): { count: Map<number, number>; misplaced: number[] } {
  const count = new Map<number, number>();
  const misplaced: number[] = [];
  for (const [key, numbers] of lists) {
    for (const n of numbers) {
      count.set(n, (count.get(n) ?? 0) + 1);
      if (keyOf(n) !== key) misplaced.push(n);
    }
  }
  return { count, misplaced };
}

/** Whether every acknowledged signal (and every applied forward) shows in `lists`. */
export function allAcknowledgedApplied(lists: EntityLists, burst: Burst): boolean {
  const ledger = counts(lists.ledger, ledgerKey).count;
  const relay = counts(lists.relay, relayKey).count;
  for (const n of burst.acked) {
    const kind = burst.sent.get(n);
    if (kind === 'relay' ? !relay.has(n) || !ledger.has(n) : !ledger.has(n)) return false;
  }
  for (const n of relay.keys()) if (!ledger.has(n)) return false;
  return true;
}

/**
 * What breaks exactly-once in `lists`, given what the burst sent and saw acknowledged:
 * an empty list when every acknowledged signal was applied exactly once, nothing was
 * applied twice, and nothing was applied that was never sent.
 */
export function exactlyOnceProblems(lists: EntityLists, burst: Burst): string[] {
  const problems: string[] = [];
  const report = (what: string, numbers: readonly number[]): void => {
    if (numbers.length > 0) problems.push(`${what}: ${numbers.length} (e.g. ${numbers.slice(0, 10).join(', ')})`);
  };
  const ledger = counts(lists.ledger, ledgerKey);
  const relay = counts(lists.relay, relayKey);
  const ackedOf = (...kinds: Kind[]): number[] => [...burst.acked].filter((n) => kinds.includes(burst.sent.get(n)!));

  report(
    'numbers recorded twice by a ledger',
    [...ledger.count].filter(([, c]) => c > 1).map(([n]) => n),
  );
  report(
    'numbers forwarded twice by a relay',
    [...relay.count].filter(([, c]) => c > 1).map(([n]) => n),
  );
  report('numbers under the wrong key', [...ledger.misplaced, ...relay.misplaced]);
  report(
    'ledger numbers that were never sent',
    [...ledger.count.keys()].filter((n) => !burst.sent.has(n)),
  );
  report(
    'relay numbers that were never sent to a relay',
    [...relay.count.keys()].filter((n) => burst.sent.get(n) !== 'relay'),
  );
  report(
    'acknowledged ledger signals that were lost',
    ackedOf('direct', 'hold').filter((n) => ledger.count.get(n) !== 1),
  );
  report(
    'acknowledged relay signals that were lost',
    ackedOf('relay').filter((n) => relay.count.get(n) !== 1),
  );
  // A forward and the signal it sends commit together: each applied forward reached a ledger
  // once, and no ledger holds a forwarded number whose forward was not applied.
  report(
    'forwarded numbers missing from the ledgers',
    [...relay.count.keys()].filter((n) => ledger.count.get(n) !== 1),
  );
  report(
    'ledger numbers from forwards that were not applied',
    [...ledger.count.keys()].filter((n) => burst.sent.get(n) === 'relay' && !relay.count.has(n)),
  );
  return problems;
}

/**
 * Waits until the hub is quiet: no message left in `<hub>_WORK` (all committed) and every
 * acknowledged signal visible in the committed state. Returns the final lists either way,
 * so the exactly-once check can say what is missing.
 */
export async function waitForQuiet(
  scenario: Scenario,
  client: DurableClient,
  burst: Burst,
  timeoutMs: number,
): Promise<{ lists: EntityLists; wentQuiet: boolean; pending: number }> {
  const deadline = Date.now() + timeoutMs;
  let pending = -1;
  for (;;) {
    scenario.assertWorkersAlive();
    try {
      pending = await scenario.workPending();
      if (pending === 0) {
        const lists = await readLists(client);
        // Still empty after the read: nothing was in flight while reading.
        if (allAcknowledgedApplied(lists, burst) && (await scenario.workPending()) === 0) return { lists, wentQuiet: true, pending: 0 };
      }
    } catch {
      // The server may be coming back; try again.
    }
    if (Date.now() > deadline) return { lists: await readLists(client), wentQuiet: false, pending };
    await delay(100);
  }
}
