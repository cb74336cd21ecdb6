/**
 * The processes a chaos run breaks: a nats-server with a file store and worker child
 * processes on one hub. A worker slot keeps its data directory across restarts, so a
 * restarted worker finds its local snapshot copy.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type ConsumerInfo } from '@nats-io/jetstream';
import { tempDir } from '../helpers';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { WorkerProcess, waitFor } from '../nats-failover/support';
import type { ChaosWorkerConfig } from './fixtures/chaos-worker';

// Worker processes run plain Node on tsc's output, not through the test transform.
export const CHAOS_WORKER = join(process.cwd(), 'build/test/chaos/fixtures/chaos-worker.js');

/** How long a started worker may take to report ready (a loaded machine, a partition catching up). */
const READY_TIMEOUT_MS = 120_000;

export function requireCompiledWorker(): void {
  if (!existsSync(CHAOS_WORKER)) throw new Error(`${CHAOS_WORKER} is missing: run \`npm run compile\` first (npm test does it).`);
}

/** One worker position of the cluster: its name and data directory outlive the processes that fill it. */
export class WorkerSlot {
  /** Every process that ran in this slot, the current one last. */
  readonly processes: WorkerProcess[] = [];
  /** Set while the current process is SIGSTOPped. */
  stopped = false;
  /** Set while a restart is under way. */
  restarting = false;

  constructor(
    readonly name: string,
    readonly dataDir: string,
  ) {}

  get current(): WorkerProcess | undefined {
    return this.processes[this.processes.length - 1];
  }

  /** Alive and not stopped: a worker the nemesis may break. */
  get healthy(): boolean {
    return !this.restarting && !this.stopped && this.current?.alive === true;
  }
}

const clusters = new Set<ChaosCluster>();
// Should the process go away without cleaning up, no worker outlives it.
process.once('exit', () => {
  for (const cluster of clusters) cluster.killWorkersSync();
});

export class ChaosCluster {
  readonly slots: WorkerSlot[];
  private closing = false;
  /** Worker processes that exited before they were ready and were started again. */
  failedStarts = 0;
  private spawned = 0;

  private constructor(
    readonly server: NatsServer,
    readonly raw: NatsConnection,
    readonly dir: string,
    private readonly removeDir: () => Promise<void>,
    readonly hub: string,
    readonly leaseTimeMs: number,
    workers: number,
  ) {
    this.slots = Array.from({ length: workers }, (_, i) => new WorkerSlot(`w${i + 1}`, join(dir, `w${i + 1}`, 'data')));
  }

  static async open(options: { hub: string; workers: number; leaseTimeMs: number }): Promise<ChaosCluster> {
    const dir = await tempDir('jetstate-chaos-');
    let server: NatsServer | undefined;
    try {
      server = await startNatsServer();
      const raw = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      const cluster = new ChaosCluster(server, raw, dir.path, dir.remove, options.hub, options.leaseTimeMs, options.workers);
      clusters.add(cluster);
      return cluster;
    } catch (error) {
      await server?.dispose();
      await dir.remove();
      throw error;
    }
  }

  /**
   * Starts a process in `slot` and waits until it reported ready. A process that exits
   * first (the server may be down) is started again, a few times; a slow one is waited for,
   * never killed, so the harness adds no faults of its own.
   */
  async startWorker(slot: WorkerSlot): Promise<void> {
    slot.restarting = true;
    try {
      for (let attempt = 1; ; attempt++) {
        const worker = await this.spawnInto(slot);
        let exited = false;
        try {
          await waitFor(
            `${slot.name} ready`,
            () => {
              if (!worker.alive) {
                exited = true;
                throw new Error(`${slot.name} exited before it was ready: ${worker.describe()}`);
              }
              worker.poll();
              return worker.events.some((e) => e.type === 'ready');
            },
            READY_TIMEOUT_MS,
            () => worker.describe(),
            50,
          );
          return;
        } catch (error) {
          if (!exited) await worker.kill();
          if (!exited || this.closing || attempt >= 5) throw error;
          // Failing to start while the nemesis has the server down is expected; it is retried, not reported.
          worker.expectedExit = true;
          this.failedStarts++;
          await delay(500);
        }
      }
    } finally {
      slot.restarting = false;
    }
  }

  private async spawnInto(slot: WorkerSlot): Promise<WorkerProcess> {
    const base = join(this.dir, slot.name, `run-${++this.spawned}`);
    await mkdir(base, { recursive: true });
    const config: ChaosWorkerConfig = {
      nats: this.server.url,
      hub: this.hub,
      dataDir: slot.dataDir,
      report: join(base, 'report.jsonl'),
      log: join(base, 'log.jsonl'),
      leaseTimeMs: this.leaseTimeMs,
    };
    await writeFile(config.report, '');
    const child = spawn(process.execPath, [CHAOS_WORKER, JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const worker = new WorkerProcess(`${slot.name}#${slot.processes.length + 1}`, child, config.report, config.log);
    slot.processes.push(worker);
    return worker;
  }

  async killWorker(slot: WorkerSlot): Promise<void> {
    slot.stopped = false;
    await slot.current?.kill();
  }

  stopWorker(slot: WorkerSlot): void {
    slot.current?.signal('SIGSTOP');
    slot.stopped = true;
  }

  continueWorker(slot: WorkerSlot): void {
    if (!slot.stopped) return;
    slot.stopped = false;
    if (slot.current?.alive) slot.current.signal('SIGCONT');
  }

  async killServer(): Promise<void> {
    await this.server.kill();
  }

  async startServer(): Promise<void> {
    await this.server.start();
  }

  /** Brings everything back: the server up, stopped workers continued, dead ones restarted. */
  async heal(): Promise<void> {
    await this.server.start();
    for (const slot of this.slots) this.continueWorker(slot);
    await waitFor(
      'no worker restart under way',
      () => this.slots.every((s) => !s.restarting),
      60_000,
      () => this.describeWorkers(),
      50,
    );
    await Promise.all(this.slots.filter((s) => !s.current?.alive).map((s) => this.startWorker(s)));
  }

  /** Whether the current workers together report every partition of `partitions`, each once. */
  coversPartitions(partitions: number): boolean {
    const views = this.slots.map((s) => (s.current?.alive ? s.current.partitions() : []));
    const union = new Set(views.flat());
    return union.size === partitions && views.reduce((sum, v) => sum + v.length, 0) === partitions;
  }

  /** Operations applied, summed over every worker process's last report. */
  applied(): number {
    return this.sumStat('applied');
  }

  /** A numeric field of the workers' stats, summed over every worker process's last report (0 where a worker has no such field). */
  sumStat(field: string): number {
    let sum = 0;
    for (const slot of this.slots) {
      for (const worker of slot.processes) {
        worker.poll();
        const value = (worker.latest as unknown as Record<string, unknown> | undefined)?.[field];
        if (typeof value === 'number') sum += value;
      }
    }
    return sum;
  }

  /** Partitions the current workers report halted (an engine that halts partitions it cannot repair). */
  haltedPartitions(): number[] {
    return this.slots.flatMap((s) => {
      const halted = (s.current?.latest as unknown as Record<string, unknown> | undefined)?.haltedPartitions;
      return Array.isArray(halted) ? (halted as number[]) : [];
    });
  }

  /** Worker processes that exited although nothing killed them. */
  unexpectedExits(): string[] {
    return this.slots.flatMap((s) => s.processes.filter((w) => !w.alive && !w.expectedExit).map((w) => w.describe()));
  }

  /**
   * Inputs not yet acknowledged: pending and unacknowledged messages of every partition's
   * consumer `p<p>` on `<hub>_WORK`, or Infinity while a partition has no consumer. Read from
   * the consumers, not the stream, because an engine may keep acknowledged inputs on it.
   */
  async workPending(partitions: number): Promise<number> {
    const byName = new Map((await this.workConsumers()).map((c) => [c.name, c.num_pending + c.num_ack_pending]));
    let sum = 0;
    for (let p = 0; p < partitions; p++) sum += byName.get(`p${p}`) ?? Number.POSITIVE_INFINITY;
    return sum;
  }

  /** The partitions with inputs left, each with its consumer's positions: what a hub that did not settle is stuck on. */
  async describeWorkPending(): Promise<string> {
    return (await this.workConsumers())
      .filter((c) => c.num_pending + c.num_ack_pending > 0)
      .map(
        (c) =>
          `${c.name}: ${c.num_pending} not delivered, ${c.num_ack_pending} delivered and not acknowledged (delivered up to ${c.delivered.stream_seq}, acknowledged up to ${c.ack_floor.stream_seq}, ${c.num_redelivered} redelivered, ${c.num_waiting} pulls waiting)`,
      )
      .join('\n');
  }

  /** The consumers on `<hub>_WORK` now. */
  private async workConsumers(): Promise<ConsumerInfo[]> {
    const jsm = await jetstreamManager(this.raw);
    const consumers: ConsumerInfo[] = [];
    // A consumer deleted while the list is read comes back empty.
    for await (const c of jsm.consumers.list(`${this.hub}_WORK`)) if (c) consumers.push(c);
    return consumers;
  }

  describeWorkers(): string {
    return this.slots.map((s) => `${s.name}: ${s.current?.describe() ?? 'never started'}${s.stopped ? ' (SIGSTOPped)' : ''}`).join(' | ');
  }

  /** The workers' warnings and errors (pino level 40 and up), the last `limit` lines of each process. */
  describeLogs(limit = 8): string {
    return this.slots
      .flatMap((s) => s.processes)
      .map((w) => {
        const lines = w.log().slice(-limit);
        return lines.length === 0
          ? ''
          : `${w.name}: ${lines.map((l) => `${l.msg}${l.partition === undefined ? '' : ` p${l.partition}`}${l.err?.message ? ` [${l.err.message}]` : ''}`).join(' / ')}`;
      })
      .filter((line) => line !== '')
      .join('\n');
  }

  killWorkersSync(): void {
    for (const slot of this.slots) {
      const worker = slot.current;
      if (worker?.alive) {
        worker.expectedExit = true;
        worker.child.kill('SIGKILL');
      }
    }
  }

  async dispose(): Promise<void> {
    this.closing = true;
    clusters.delete(this);
    await Promise.all(this.slots.flatMap((s) => s.processes.map((w) => w.kill())));
    await this.raw.close().catch(() => undefined);
    if (process.env.CHAOS_KEEP_FILES) {
      // For a post-mortem: the workers' logs and data, and the server's store, stay on disk.
      await this.server.stop();
      process.stderr.write(`[chaos] kept the workers' files in ${this.dir} and the server's store in ${this.server.storeDir}\n`);
      return;
    }
    await this.server.dispose();
    await this.removeDir();
  }
}
