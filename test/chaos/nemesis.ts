/**
 * The seeded nemesis: every 3-8 s it breaks one thing. The first three faults are one of
 * each kind (in a seeded order), so even a short run kills nats-server at least once; after
 * that a nats-server kill is drawn with probability `serverKillShare`, and otherwise a
 * worker SIGKILL or SIGSTOP with even odds.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ChaosCluster, WorkerSlot } from './chaos-cluster';
import { Prng } from './prng';

export const FAULT_KINDS = ['workerKill', 'workerStop', 'serverKill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  readonly kind: FaultKind;
  /** Milliseconds since the nemesis started. */
  readonly at: number;
  readonly target: string;
}

export interface NemesisOptions {
  readonly minGapMs: number;
  readonly maxGapMs: number;
  readonly leaseTimeMs: number;
  readonly serverKillShare: number;
}

export class Nemesis {
  readonly faults: Fault[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly aborter = new AbortController();
  private loop: Promise<void> | undefined;
  private startedAt = 0;
  /** Worker faults drawn while no worker was running to take them. */
  skipped = 0;
  /** Errors of the nemesis's own actions (a restart that failed): they make the run fail. */
  readonly errors: string[] = [];

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly prng: Prng,
    private readonly options: NemesisOptions,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  start(): void {
    this.startedAt = Date.now();
    this.loop = this.run();
  }

  count(kind: FaultKind): number {
    return this.faults.filter((f) => f.kind === kind).length;
  }

  /** Injects nothing more; restarts and continues already scheduled happen at once, and are waited for. */
  async stop(): Promise<void> {
    this.aborter.abort();
    await this.loop;
    await Promise.allSettled([...this.pending]);
  }

  private async run(): Promise<void> {
    const opening = [...FAULT_KINDS];
    for (let i = opening.length - 1; i > 0; i--) {
      const j = this.prng.int(0, i);
      [opening[i], opening[j]] = [opening[j]!, opening[i]!];
    }
    for (;;) {
      const gap = this.prng.int(this.options.minGapMs, this.options.maxGapMs);
      // Draw everything this fault needs before waiting, so the sequence depends on the seed only.
      const kind = opening.shift() ?? this.draw();
      const victimDraw = this.prng.next();
      const pauseMs = kind === 'workerKill' ? this.prng.int(1_000, 3_000) : kind === 'workerStop' ? this.options.leaseTimeMs + this.prng.int(1_000, 2_000) : 0;
      try {
        await delay(gap, undefined, { signal: this.aborter.signal });
      } catch {
        return;
      }
      await this.inject(kind, victimDraw, pauseMs);
    }
  }

  private draw(): FaultKind {
    const r = this.prng.next();
    if (r < this.options.serverKillShare) return 'serverKill';
    return r < this.options.serverKillShare + (1 - this.options.serverKillShare) / 2 ? 'workerKill' : 'workerStop';
  }

  private async inject(kind: FaultKind, victimDraw: number, pauseMs: number): Promise<void> {
    const at = Date.now() - this.startedAt;
    if (kind !== 'serverKill' && !this.cluster.slots.some((s) => s.healthy)) {
      // Every worker is already down or restarting: this turn breaks nothing more.
      this.skipped++;
      this.log(`[chaos] +${(at / 1000).toFixed(1)}s ${kind} skipped: no running worker to break`);
      return;
    }
    if (kind === 'serverKill') {
      this.record({ kind: 'serverKill', at, target: 'nats-server' });
      try {
        await this.cluster.killServer();
        await this.cluster.startServer();
      } catch (error) {
        this.errors.push(`restarting nats-server: ${String(error)}`);
      }
      return;
    }
    const healthy = this.cluster.slots.filter((s) => s.healthy);
    const slot = healthy[Math.floor(victimDraw * healthy.length)]!;
    this.record({ kind, at, target: slot.name });
    if (kind === 'workerKill') {
      await this.cluster.killWorker(slot);
      this.later(pauseMs, () => this.cluster.startWorker(slot), `restarting ${slot.name}`, slot);
    } else {
      this.cluster.stopWorker(slot);
      this.later(pauseMs, async () => this.cluster.continueWorker(slot), `continuing ${slot.name}`, slot);
    }
  }

  private record(fault: Fault): void {
    this.faults.push(fault);
    this.log(`[chaos] +${(fault.at / 1000).toFixed(1)}s ${fault.kind} ${fault.target}`);
  }

  /** Runs `action` after `ms`, or at once when the nemesis stops: a broken worker always comes back. */
  private later(ms: number, action: () => Promise<void>, what: string, slot: WorkerSlot): void {
    // The slot counts as broken until the action is done, so it is not picked again meanwhile.
    slot.restarting = true;
    const done = delay(ms, undefined, { signal: this.aborter.signal })
      .catch(() => undefined)
      .then(() => {
        slot.restarting = false;
        return action();
      })
      .catch((error: unknown) => {
        this.errors.push(`${what}: ${String(error)}`);
      })
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }
}
