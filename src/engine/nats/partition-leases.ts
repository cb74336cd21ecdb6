import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { fnv1a } from '../partitioner';
import { telemetry } from '../../telemetry/telemetry';
import { JetStreamErrorCode, jetStreamErrorCode } from './jetstream-errors';

/** What the lease manager tells its owner. */
export interface LeaseListener {
  /** This worker now owns `partition`: start processing it. */
  acquired(partition: number): Promise<void>;
  /** This worker gives `partition` up (rebalancing or stop): finish the batch in flight, then stop. */
  givenUp(partition: number): Promise<void>;
  /** The lease was lost (expired or taken): stop at once; commits in flight will be fenced. */
  lost(partition: number): Promise<void>;
  /** The lease was renewed: processing that paused on an uncertain lease may resume. */
  renewed(partition: number): void;
}

/** Settings of {@link PartitionLeases}. */
export interface PartitionLeasesOptions {
  readonly leases: KV;
  readonly workers: KV;
  /** The ids of the live workers (heartbeats not expired or deleted). */
  readonly liveWorkers: () => Promise<string[]>;
  readonly workerId: string;
  readonly partitionCount: number;
  /** A lease not renewed for this long expires (the buckets' TTL). */
  readonly leaseTimeMs: number;
  readonly logger: Logger;
  readonly listener: LeaseListener;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A lease this worker holds. */
interface HeldLease {
  /** The revision of its last write, which the next renewal must match. */
  revision: number;
  /** Until when (local clock) it is certainly still this worker's. */
  validUntil: number;
}

/**
 * Partition ownership through two KV buckets whose entries expire after the lease time:
 * `workers` (one heartbeat per live worker) and `leases` (one entry per owned partition).
 * Every third of a lease time a worker renews its heartbeat and leases; on the same
 * cadence, in a separate round, it computes which partitions it should own (rendezvous
 * hashing over the live workers, so a join or leave moves few partitions), takes the free
 * ones it should own and gives up the ones it should not. A dead worker's entries expire,
 * and the others take its partitions over.
 *
 * Taking a lease is one write; starting the partition behind it can take many seconds on
 * a cluster that is electing leaders. So partitions start from a queue, a few at a time,
 * and neither the renewals nor the rounds wait for them: a lease that could not be taken
 * is tried again a third of a lease time later, however long other starts take.
 */
export class PartitionLeases {
  /** The leases this worker holds; a partition taken again gets a new object. */
  private readonly owned = new Map<number, HeldLease>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  /** Partitions whose lease is held, waiting for a start slot. */
  private readonly startQueue: number[] = [];
  /** Starts holding a start slot (waiting for the partition's earlier changes, or running). */
  private readonly starts = new Set<Promise<void>>();
  /**
   * The last change (start, hand-over, loss) queued for each partition. A partition's
   * changes run one after another, so a stop never overtakes the start it must undo, and a
   * partition taken again starts only once its previous ownership has stopped.
   */
  private readonly changes = new Map<number, Promise<void>>();
  private stopped = false;

  constructor(private readonly options: PartitionLeasesOptions) {}

  /** Partitions this worker owns now. */
  get partitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  /**
   * True while the lease on `partition` is certainly ours by the local clock: it was
   * renewed less than a lease time ago (with a margin). A worker that was paused (or cut
   * off) past its lease stops taking batches at once, before any network round trip
   * tells it the lease is gone.
   */
  holds(partition: number): boolean {
    const lease = this.owned.get(partition);
    return lease !== undefined && Date.now() < lease.validUntil;
  }

  /** Asks the server whether the lease on `partition` is still this worker's. */
  async confirm(partition: number): Promise<boolean> {
    const lease = this.owned.get(partition);
    if (lease === undefined) return false;
    const entry = await this.options.leases.get(this.key(partition));
    return entry?.operation === 'PUT' && entry.revision === lease.revision && this.isMine(entry.value);
  }

  /** Drops a partition whose lease turned out to be gone. */
  async forfeit(partition: number, why: string): Promise<void> {
    if (!this.owned.delete(partition)) return;
    this.options.logger.warn({ partition, why }, 'partition lease lost; stopping the partition');
    telemetry().leaseChanged(partition, 'lost');
    await this.change(partition, () => this.options.listener.lost(partition));
  }

  /** Joins the workers, takes this worker's share of the free partitions and starts them. */
  async start(): Promise<void> {
    await this.heartbeat();
    await this.tick();
    // Leases are renewed, and rounds take what was not free yet, while the first starts run.
    this.schedule();
    this.scheduleRenewal();
    await this.startsSettled();
  }

  /** Gives up every partition (after its batch in flight) and leaves the worker list. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.renewTimer);
    await this.ticking;
    await this.renewing;
    await Promise.all([...this.owned.keys()].map((p) => this.giveUp(p)));
    // Hand-overs and losses found by the rounds and renewals run there, not awaited by them.
    await Promise.all(this.changes.values());
    await this.options.workers.delete(this.options.workerId).catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'partition lease round failed; retrying'))
        .finally(() => {
          this.ticking = undefined;
          this.schedule();
        });
    }, this.intervalMs());
  }

  private scheduleRenewal(): void {
    if (this.stopped) return;
    this.renewTimer = setTimeout(() => {
      this.renewing = this.heartbeat()
        .then(() => this.renewAll())
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'partition lease renewal failed; retrying'))
        .finally(() => {
          this.renewing = undefined;
          this.scheduleRenewal();
        });
    }, this.intervalMs());
  }

  private intervalMs(): number {
    return Math.max(50, Math.floor(this.options.leaseTimeMs / 3));
  }

  private async heartbeat(): Promise<void> {
    await this.options.workers.put(this.options.workerId, encoder.encode(String(Date.now())));
  }

  private async tick(): Promise<void> {
    const { workerId } = this.options;
    const live = await this.options.liveWorkers();
    if (!live.includes(workerId)) live.push(workerId);
    const wanted = new Set<number>();
    for (let p = 0; p < this.options.partitionCount; p++) {
      if (ownerOf(p, live) === workerId) wanted.add(p);
    }
    for (const p of this.owned.keys()) {
      // Not awaited (a stop can wait for a start): the round goes on taking leases.
      if (!wanted.has(p) && !this.stopped) void this.giveUp(p);
    }
    await inBatches(
      [...wanted].filter((p) => !this.owned.has(p) && !this.stopped),
      PARALLEL_LEASE_WRITES,
      (p) => this.tryLease(p),
    );
  }

  private async renewAll(): Promise<void> {
    await Promise.all(
      [...this.owned].map(async ([p, lease]) => {
        const sentAt = Date.now();
        try {
          const next = await this.options.leases.update(this.key(p), encoder.encode(this.options.workerId), lease.revision);
          // Released or lost while the update was in flight: not ours to keep.
          if (this.owned.get(p) !== lease) return;
          lease.revision = next;
          lease.validUntil = this.expiry(sentAt);
          this.options.listener.renewed(p);
        } catch (error) {
          if (this.owned.get(p) !== lease) return;
          // Cut off from the server: keep trying; holds() turns false once the lease may have expired.
          if (jetStreamErrorCode(error) !== JetStreamErrorCode.WrongLastSequence) {
            this.options.logger.warn({ partition: p, err: error }, 'could not renew the partition lease; retrying');
            return;
          }
          const reclaimed = await this.reclaim(p).catch(() => undefined);
          if (this.owned.get(p) !== lease) return;
          if (reclaimed === undefined) {
            // Not awaited: renewing the other leases must not wait for this partition to stop.
            void this.forfeit(p, 'the lease was taken or expired');
            return;
          }
          lease.revision = reclaimed.revision;
          lease.validUntil = this.expiry(reclaimed.sentAt);
          this.options.listener.renewed(p);
        }
      }),
    );
  }

  /** Takes the lease on `p` if it is free (or already this worker's) and queues the partition's start. */
  private async tryLease(p: number): Promise<void> {
    let revision: number;
    let sentAt = Date.now();
    try {
      revision = await this.options.leases.create(this.key(p), encoder.encode(this.options.workerId));
    } catch {
      const reclaimed = await this.reclaim(p).catch(() => undefined);
      // Otherwise still owned by someone else: their lease expires or they give it up.
      if (reclaimed === undefined || this.stopped || this.owned.has(p)) return;
      ({ revision, sentAt } = reclaimed);
    }
    this.owned.set(p, { revision, validUntil: this.expiry(sentAt) });
    this.options.logger.info({ partition: p }, 'partition acquired');
    telemetry().leaseChanged(p, 'acquired');
    if (!this.startQueue.includes(p)) this.startQueue.push(p);
    this.startNext();
  }

  /** Starts queued partitions while fewer than {@link PARALLEL_STARTS} are starting. */
  private startNext(): void {
    while (this.starts.size < PARALLEL_STARTS && this.startQueue.length > 0) {
      const p = this.startQueue.shift()!;
      const lease = this.owned.get(p);
      // Given up or lost while it waited: nothing was started, so nothing needs stopping.
      if (lease === undefined) continue;
      const started: Promise<void> = this.change(p, () => this.startPartition(p, lease)).finally(() => {
        this.starts.delete(started);
        this.startNext();
      });
      this.starts.add(started);
    }
  }

  /**
   * Runs `step` after every change queued before it for partition `p`; the returned
   * promise never rejects.
   */
  private change(p: number, step: () => Promise<void>): Promise<void> {
    const queued = (this.changes.get(p) ?? Promise.resolve())
      .then(step)
      .catch((error: unknown) => this.options.logger.warn({ partition: p, err: error }, 'a partition change failed'))
      .finally(() => {
        if (this.changes.get(p) === queued) this.changes.delete(p);
      });
    this.changes.set(p, queued);
    return queued;
  }

  private async startPartition(p: number, lease: HeldLease): Promise<void> {
    // Given up or lost (and maybe taken again) since it was queued: whoever released it
    // queued the stop, and a new ownership queues its own start.
    if (this.owned.get(p) !== lease) return;
    try {
      await this.options.listener.acquired(p);
      return;
    } catch (error) {
      this.options.logger.error({ partition: p, err: error }, 'could not start partition; giving it up');
    }
    // Given up or lost during the start: whoever did that stops the partition once this settles.
    if (this.owned.get(p) !== lease) return;
    this.owned.delete(p);
    telemetry().leaseChanged(p, 'released');
    await this.release(p, lease);
  }

  /** Resolves once no partition waits for or is in its start. */
  private async startsSettled(): Promise<void> {
    while (this.starts.size > 0) await Promise.all(this.starts);
  }

  private async giveUp(p: number): Promise<void> {
    const lease = this.owned.get(p);
    if (lease === undefined) return;
    this.owned.delete(p);
    telemetry().leaseChanged(p, 'released');
    await this.change(p, () => this.release(p, lease));
  }

  /**
   * Stops the partition (its batch in flight first), then deletes its lease so the next
   * owner need not wait for it to expire. A delete whose reply was lost is sent again. One
   * refused by the revision check is sent again at the current revision while the lease
   * still holds this worker's id (a renewal in flight when the partition was released);
   * otherwise the lease moved on and there is nothing to delete.
   */
  private async release(p: number, lease: HeldLease): Promise<void> {
    await this.options.listener.givenUp(p);
    let revision = lease.revision;
    for (let attempt = 1; attempt <= LEASE_DELETE_ATTEMPTS; attempt++) {
      try {
        await this.options.leases.delete(this.key(p), { previousSeq: revision });
        break;
      } catch (error) {
        if (jetStreamErrorCode(error) === JetStreamErrorCode.WrongLastSequence) {
          const entry = await this.options.leases.get(this.key(p)).catch(() => null);
          if (entry?.operation !== 'PUT' || !this.isMine(entry.value)) break;
          revision = entry.revision;
          continue;
        }
        if (this.stopped) break;
        if (attempt === LEASE_DELETE_ATTEMPTS) {
          this.options.logger.warn({ partition: p, err: error }, 'could not delete a released lease; it expires on its own');
        }
      }
    }
    this.options.logger.info({ partition: p }, 'partition given up');
  }

  /**
   * Takes back a lease that holds this worker's id although this worker does not know its
   * revision: a write the server stored but whose acknowledgement never arrived (a request
   * that timed out while a replicated bucket elected a new leader). Without this the
   * partition would stay unowned until that lease expired. Renews it at once, so its
   * expiry is known; undefined when the lease is someone else's or gone.
   */
  private async reclaim(p: number): Promise<{ revision: number; sentAt: number } | undefined> {
    const entry = await this.options.leases.get(this.key(p));
    if (entry?.operation !== 'PUT' || !this.isMine(entry.value)) return undefined;
    const sentAt = Date.now();
    const revision = await this.options.leases.update(this.key(p), encoder.encode(this.options.workerId), entry.revision);
    this.options.logger.info({ partition: p }, 'partition lease reclaimed: the server had stored a write whose acknowledgement was lost');
    return { revision, sentAt };
  }

  /** The server expires a lease a lease time after it received the write; keep a sixth as margin. */
  private expiry(sentAt: number): number {
    return sentAt + this.options.leaseTimeMs - this.options.leaseTimeMs / 6;
  }

  private key(p: number): string {
    return `p${p}`;
  }

  private isMine(value: Uint8Array): boolean {
    return decoder.decode(value) === this.options.workerId;
  }
}

/**
 * Rendezvous hashing: the live worker with the highest score for the partition owns it.
 * FNV-1a alone mixes its last input bytes poorly (the partition number), so scores of one
 * worker would be correlated across partitions; a finalizer spreads them.
 */
export function ownerOf(partition: number, workers: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const worker of workers) {
    const score = mix32(fnv1a(`${worker}/${partition}`));
    if (score > bestScore || (score === bestScore && best !== undefined && worker < best)) {
      best = worker;
      bestScore = score;
    }
  }
  return best;
}

/** The 32-bit finalizer of MurmurHash3: every input bit affects every output bit. */
function mix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * How many partitions one worker starts at a time: partitions are independent, and on a
 * cluster creating a replicated consumer takes a consensus round, but too many at once
 * make the server's API time out.
 */
const PARALLEL_STARTS = 4;

/** How many lease creates a round sends at once. */
const PARALLEL_LEASE_WRITES = 8;

const LEASE_DELETE_ATTEMPTS = 3;

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}
