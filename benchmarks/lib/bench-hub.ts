import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { zeroStats } from '../../src/engine/engine';
import { DurableApp, DurableClient, type EngineStats } from '../../src/index';
import { Counter } from '../fixtures/counter.entity';
import { BENCH_ACTIVITIES, BENCH_ORCHESTRATORS } from '../fixtures/orchestration-fixtures';
import type { WorkerReply, WorkerRequest } from '../fixtures/nats-worker';
import { nowMs } from './stats';
import { withTimeout } from './timeout';

/** Where a worker runs: in a child process of its own (`node build/benchmarks/fixtures/nats-worker.js`) or in the benchmark process. */
export type WorkerPlacement = 'child' | 'in-process';

/** One worker of a hub, wherever it runs. */
export interface WorkerHandle {
  readonly pid: number;
  stats(): Promise<EngineStats>;
  stop(): Promise<void>;
}

/** A hub on the benchmark's nats-server: its workers and a client-only connection in the benchmark process. */
export interface BenchHub {
  readonly hub: string;
  readonly placement: WorkerPlacement;
  readonly workers: readonly WorkerHandle[];
  readonly client: DurableClient;
  /** Process ids to watch for CPU use: this process (the client, and in-process workers), child workers, the server. */
  readonly pids: { readonly bench: number; readonly workers: readonly number[]; readonly servers: readonly number[] };
  /** The sum of the workers' counters. */
  stats(): Promise<EngineStats>;
  /** Messages in the hub's `<hub>_WORK` stream: published and not yet acknowledged-and-removed by the server. */
  /** Inputs not yet applied: waiting for delivery or delivered and unacknowledged, over every partition. */
  pendingWork(): Promise<number>;
  close(): Promise<void>;
}

export interface BenchHubSettings {
  /** The server, or the servers of a cluster (the workers and the client may connect to any). */
  readonly url: string | readonly string[];
  /** Process ids of the server(s), for CPU accounting. */
  readonly serverPids: readonly number[];
  /** Replicas of every stream and bucket of the hub (default 1). */
  readonly replicas?: 1 | 3 | 5;
  readonly hub: string;
  readonly workers: number;
  readonly placement: WorkerPlacement;
  /** How long the partitions may take to spread over the workers. */
  readonly spreadTimeoutMs: number;
  /** Extra `node` flags for child workers (for instance `--cpu-prof --cpu-prof-dir=...`). */
  readonly execArgv?: readonly string[];
  /** Extra nats.js connection options for the workers and the client (experiments; default: none, as users connect). */
  readonly connection?: Readonly<Record<string, unknown>>;
  /** Workers also host the orchestrators and activities of `orchestration-fixtures.ts`. */
  readonly orchestrations?: boolean;
}

const PARTITION_COUNT = 32;
/** Longer than one lease round of the default 10 s lease time (a round every 3.3 s). */
const SETTLE_MS = 5000;
// Compiled to build/benchmarks/lib/bench-hub.js; the worker to build/benchmarks/fixtures/nats-worker.js.
const WORKER_SCRIPT = join(__dirname, '..', 'fixtures', 'nats-worker.js');

class ChildWorker implements WorkerHandle {
  private readonly waiting: { type: WorkerReply['type']; resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }[] = [];
  private exited = false;
  private stopped: Promise<void> | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: WorkerReply) => {
      if (message.type === 'failed') return this.failAll(new Error(`worker ${child.pid} failed: ${message.error}`));
      const index = this.waiting.findIndex((w) => w.type === message.type);
      if (index >= 0) this.waiting.splice(index, 1)[0]!.resolve(message);
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      if (!this.stopped) process.stderr.write(`  WARNING: worker ${child.pid} exited unexpectedly (code ${code}, signal ${signal})\n`);
      this.failAll(new Error(`worker ${child.pid} exited (code ${code}, signal ${signal})`));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(settings: BenchHubSettings): Promise<ChildWorker> {
    const args = [
      '--servers',
      serversOf(settings.url).join(','),
      '--hub',
      settings.hub,
      ...(settings.connection ? ['--connection', JSON.stringify(settings.connection)] : []),
      ...(settings.replicas ? ['--replicas', String(settings.replicas)] : []),
      ...(settings.orchestrations ? ['--orchestrations'] : []),
    ];
    const child = fork(WORKER_SCRIPT, args, { execArgv: [...(settings.execArgv ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const worker = new ChildWorker(child);
    try {
      await withTimeout(worker.expect('ready'), 30_000, `worker ${child.pid} start`);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return worker;
  }

  async stats(): Promise<EngineStats> {
    const reply = this.expect('stats');
    this.send({ type: 'stats' });
    return ((await withTimeout(reply, 10_000, `stats of worker ${this.pid}`)) as Extract<WorkerReply, { type: 'stats' }>).stats;
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (this.exited) return;
      const exit = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      try {
        this.send({ type: 'stop' });
        await withTimeout(exit, 20_000, `stop of worker ${this.pid}`);
      } catch {
        this.child.kill('SIGKILL');
        await exit;
      }
    })();
    return this.stopped;
  }

  private expect(type: WorkerReply['type']): Promise<WorkerReply> {
    if (this.exited) return Promise.reject(new Error(`worker ${this.child.pid} has exited`));
    return new Promise((resolve, reject) => this.waiting.push({ type, resolve, reject }));
  }

  private send(request: WorkerRequest): void {
    if (!this.exited && this.child.connected) this.child.send(request);
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}

class InProcessWorker implements WorkerHandle {
  readonly pid = process.pid;

  private constructor(private readonly app: DurableApp) {}

  static async start(settings: BenchHubSettings): Promise<InProcessWorker> {
    const hosted = settings.orchestrations ? { orchestrators: BENCH_ORCHESTRATORS, activities: BENCH_ACTIVITIES } : {};
    const app = await DurableApp.create({
      entities: [Counter],
      ...hosted,
      nats: connectionOf(settings),
      hub: settings.hub,
      ...(settings.replicas ? { replicas: settings.replicas } : {}),
      logger: { level: 'silent' },
    });
    await app.start();
    return new InProcessWorker(app);
  }

  async stats(): Promise<EngineStats> {
    return this.app.stats();
  }

  stop(): Promise<void> {
    return this.app.stop();
  }
}

function serversOf(url: string | readonly string[]): string[] {
  return typeof url === 'string' ? [url] : [...url];
}

/** The `nats` setting of the hub's apps and client: its servers, with the experiment's connection options. */
function connectionOf(settings: BenchHubSettings): { servers: string[] } & Readonly<Record<string, unknown>> {
  return { ...(settings.connection ?? {}), servers: serversOf(settings.url) };
}

function sumStats(all: readonly EngineStats[]): EngineStats {
  const sum = zeroStats();
  for (const s of all) {
    sum.applied += s.applied;
    sum.signalsReceived += s.signalsReceived;
    sum.messagesApplied += s.messagesApplied;
    sum.failed += s.failed;
    sum.duplicates += s.duplicates;
    sum.batches += s.batches;
    sum.backlog += s.backlog;
    sum.scheduled += s.scheduled;
    sum.deadLettered += s.deadLettered;
    sum.fenced += s.fenced;
    sum.stateRegressions += s.stateRegressions;
    sum.haltedPartitions.push(...s.haltedPartitions);
    sum.partitions.push(...s.partitions);
  }
  sum.partitions.sort((a, b) => a - b);
  return sum;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the workers of a fresh hub (the first alone, so it creates the streams and
 * buckets, then the others together), waits until the hub's 32 partitions are spread over
 * them (see {@link waitForSpread}; a worker may end up owning none), and connects a
 * client-only `DurableClient`.
 */
export async function startBenchHub(settings: BenchHubSettings): Promise<BenchHub> {
  const workers: WorkerHandle[] = [];
  const startOne = (): Promise<WorkerHandle> => (settings.placement === 'child' ? ChildWorker.start(settings) : InProcessWorker.start(settings));
  let client: DurableClient | undefined;
  let monitor: NatsConnection | undefined;
  try {
    workers.push(await startOne());
    const others = await Promise.allSettled(Array.from({ length: settings.workers - 1 }, startOne));
    for (const started of others) if (started.status === 'fulfilled') workers.push(started.value);
    const failed = others.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await withTimeout(waitForSpread(workers), settings.spreadTimeoutMs, `spreading ${PARTITION_COUNT} partitions over ${settings.workers} worker(s)`);
    client = await DurableClient.connect({
      nats: connectionOf(settings),
      hub: settings.hub,
      logger: { level: 'silent' },
    });
    monitor = await connect({ servers: serversOf(settings.url), name: 'jetstate-bench:monitor' });
  } catch (error) {
    await client?.close();
    await Promise.allSettled(workers.map((w) => w.stop()));
    throw error;
  }
  const connected = client;
  const observer = monitor;
  const jsm = await jetstreamManager(observer);
  return {
    hub: settings.hub,
    placement: settings.placement,
    workers,
    client: connected,
    pids: { bench: process.pid, workers: workers.map((w) => w.pid).filter((pid) => pid !== process.pid), servers: settings.serverPids },
    stats: async () => sumStats(await Promise.all(workers.map((w) => w.stats()))),
    pendingWork: async () => {
      const consumers = await jsm.consumers.list(`${settings.hub}_WORK`).next();
      return consumers.reduce((total, c) => total + c.num_pending + c.num_ack_pending, 0);
    },
    async close() {
      await observer.close();
      await connected.close();
      await Promise.allSettled(workers.map((w) => w.stop()));
    },
  };
}

/**
 * Waits until each of the 32 partitions is owned by exactly one worker and the assignment
 * has not changed for a while: 1 s when every worker owns some, or longer than a lease
 * round (a third of the 10 s default lease time, plus margin) when one owns none, which
 * is then final: ownership goes by hashing the worker ids.
 */
async function waitForSpread(workers: readonly WorkerHandle[]): Promise<void> {
  let layout = '';
  let since = 0;
  for (;;) {
    const all = await Promise.all(workers.map((w) => w.stats()));
    const owned = all.flatMap((s) => s.partitions);
    const complete = owned.length === PARTITION_COUNT && new Set(owned).size === PARTITION_COUNT;
    const current = all.map((s) => s.partitions.join(',')).join('|');
    if (!complete || current !== layout) {
      layout = current;
      since = nowMs();
    } else {
      const stableMs = nowMs() - since;
      if (stableMs >= 1000 && all.every((s) => s.partitions.length > 0)) return;
      if (stableMs >= SETTLE_MS) return;
    }
    await sleep(250);
  }
}

/** The partitions each worker owns, e.g. "11+10+11". */
export async function partitionSpread(cluster: BenchHub): Promise<string> {
  const all = await Promise.all(cluster.workers.map((w) => w.stats()));
  return all.map((s) => s.partitions.length).join('+');
}
