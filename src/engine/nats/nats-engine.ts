import { randomBytes } from 'node:crypto';
import {
  DeliverPolicy,
  headers,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type MsgHdrs,
  type NatsConnection,
  type NatsError,
  type Subscription,
} from 'nats';
import type { Logger } from 'pino';
import { Observable } from 'rxjs';
import { AppStoppedError, PayloadTooLargeError, TimeoutError, TransportError } from '../../errors';
import { entityIdToString, type EntityId } from '../../registry/entity-id';
import type { Registry } from '../../registry/registry';
import type { BatchOutcome, EntityExecutor } from '../../runtime/entity-executor';
import type { EntitySnapshot, OperationMessage, OperationReply } from '../../runtime/messages';
import { decodeSnapshot, encodeSnapshot } from '../../runtime/snapshot-codec';
import type { Engine, EngineStats, SnapshotPage, SnapshotQuery, WatchFilter } from '../engine';
import { partitionOf } from '../partitioner';
import { PartitionWorker, type Delivery, type PartitionSink } from '../partition-worker';
import { ScheduledMessages, type ScheduledEntry } from '../scheduled-messages';
import type { HubLayout } from './hub-layout';
import type { HubConnection } from './hub-connection';
import type { LocalSnapshots, SequencedSnapshot } from './local-snapshots';
import { PartitionLeases } from './partition-leases';
import { decodeOperation, decodeText, encodeJson } from './wire-codec';

/** JetStream's error code for a failed `Nats-Expected-Last-Subject-Sequence` check. */
const WRONG_LAST_SEQUENCE = 10071;
/** JetStream's error code for "no message found". */
const NO_MESSAGE_FOUND = 10037;

/** Marks a snapshot whose state did not change (only `lastAppliedSeq` moved). */
const UNCHANGED_HEADER = 'Jetstate-Unchanged';

function unchangedHeader(): MsgHdrs {
  const h = headers();
  h.set(UNCHANGED_HEADER, '1');
  return h;
}

/** Settings of a {@link NatsEngine}. */
export interface NatsEngineOptions {
  readonly connection: HubConnection;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Present in a worker (it hosts entities); absent in a client-only process. */
  readonly executor?: EntityExecutor;
  /** A worker's local snapshot copy (when it has a data directory). */
  readonly local?: LocalSnapshots;
  readonly leaseTimeMs: number;
  readonly maxBatchSize: number;
  readonly cacheCapacity: number;
  readonly callTimeoutMs: number;
  readonly now: () => number;
}

/** A partition this worker owns. */
interface OwnedPartition {
  readonly worker: PartitionWorker<JsMsg>;
  /** The `<hub>_STATE` sequence of each entity's current snapshot: the fence of its next commit. */
  readonly stateSeqs: Map<string, number>;
  readonly scheduled: ScheduledMessages;
  /** Entities whose local snapshot proved stale (a fenced commit): read them from the server. */
  readonly fromServer: Set<string>;
  work?: ConsumerMessages;
  timers?: ConsumerMessages;
  loops: Promise<void>[];
  restarting?: boolean;
}

interface Waiter {
  readonly resolve: (reply: OperationReply) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The NATS JetStream engine. JetStream is the log (`<hub>_WORK`, one durable consumer per
 * partition), the committed state (`<hub>_STATE`, the last snapshot per entity) and the
 * timer store (`<hub>_TIMERS`). A worker owns partitions through leases; a commit publishes
 * the messages a batch produced (with deterministic `Nats-Msg-Id`s, so re-publishing is
 * harmless), then each touched entity's snapshot fenced with
 * `Nats-Expected-Last-Subject-Sequence`, and only then acknowledges the inputs. A worker
 * that lost its partition fails the fence and cannot commit. Client-only engines (no
 * executor) send, call, read and watch.
 */
export class NatsEngine implements Engine, PartitionSink<JsMsg> {
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly layout: HubLayout;
  private readonly partitionCount: number;
  private readonly maxPayload: number;
  private readonly owned = new Map<number, OwnedPartition>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly watchers = new Set<ConsumerMessages>();
  private readonly replyInbox: string;
  private replies: Subscription | undefined;
  private leases: PartitionLeases | undefined;
  private readonly totals = { applied: 0, failed: 0, duplicates: 0, batches: 0 };
  private deadLettered = 0;
  private fenced = 0;
  private state: 'open' | 'running' | 'stopping' | 'stopped' = 'open';

  constructor(private readonly options: NatsEngineOptions) {
    const connection = options.connection;
    this.nc = connection.nc;
    this.js = connection.js;
    this.jsm = connection.jsm;
    this.layout = connection.layout;
    this.partitionCount = connection.partitionCount;
    this.maxPayload = connection.maxPayload;
    this.replyInbox = this.layout.replySubject(randomBytes(9).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x'));
  }

  async start(): Promise<void> {
    this.assertOpen();
    this.state = 'running';
    if (!this.options.executor) return;
    void this.restartOnReconnect();
    this.leases = new PartitionLeases({
      leases: this.options.connection.leases!,
      workers: this.options.connection.workers!,
      workerId: this.options.connection.workerId,
      partitionCount: this.partitionCount,
      leaseTimeMs: this.options.leaseTimeMs,
      logger: this.options.logger,
      listener: {
        acquired: (p) => this.acquire(p),
        released: (p) => this.release(p, true),
        lost: (p) => this.release(p, false),
      },
    });
    await this.leases.start();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    await this.leases?.stop();
    for (const watcher of this.watchers) watcher.stop();
    for (const waiter of this.waiters.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new AppStoppedError('The client stopped before the reply to this call arrived. The call may or may not have been applied.'));
    }
    this.waiters.clear();
    this.replies?.unsubscribe();
    await this.options.connection.close();
    await this.options.local?.close();
    this.state = 'stopped';
  }

  async send(messages: readonly OperationMessage[]): Promise<void> {
    this.assertOpen();
    const now = this.options.now();
    await Promise.all(messages.map((m) => (m.scheduledTime !== undefined && m.scheduledTime > now ? this.publishTimer(m) : this.publishWork(m))));
  }

  async call(message: OperationMessage): Promise<OperationReply> {
    this.assertOpen();
    this.replies ??= this.nc.subscribe(this.replyInbox, { callback: (_error, msg) => this.onReply(msg.data) });
    const sent: OperationMessage = { ...message, replyTo: this.replyInbox };
    const reply = new Promise<OperationReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(message.id);
        reject(
          new TimeoutError(
            `No reply to ${message.target.name}/${message.target.key}.${message.operation} within ${this.options.callTimeoutMs} ms. ` +
              `It may still be applied. Check that a worker hosting '${message.target.name}' is running, or raise callTimeoutMs.`,
          ),
        );
      }, this.options.callTimeoutMs);
      this.waiters.set(message.id, { resolve, reject, timer });
    });
    try {
      await this.publishWork(sent);
    } catch (error) {
      const waiter = this.waiters.get(message.id);
      this.waiters.delete(message.id);
      if (waiter) clearTimeout(waiter.timer);
      throw error;
    }
    return reply;
  }

  async readSnapshot(id: EntityId): Promise<EntitySnapshot | undefined> {
    this.assertOpen();
    return (await this.fetchSnapshot(id))?.snapshot;
  }

  async listSnapshots(query: SnapshotQuery): Promise<SnapshotPage> {
    this.assertOpen();
    const all: EntitySnapshot[] = [];
    for (const msg of await this.readAll(this.layout.stateStream, this.layout.stateFilter(query.name), DeliverPolicy.LastPerSubject)) {
      const snapshot = decodeSnapshot(this.layout.entityOfStateSubject(msg.subject), decodeText(msg.data));
      if (!snapshot.exists) continue;
      if (query.lastModifiedFrom !== undefined && snapshot.lastModified < query.lastModifiedFrom) continue;
      if (query.lastModifiedTo !== undefined && snapshot.lastModified > query.lastModifiedTo) continue;
      all.push(snapshot);
    }
    const order = (s: EntitySnapshot): string => `${s.id.name}/${s.id.key}`;
    all.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
    const after = query.continuationToken === undefined ? undefined : Buffer.from(query.continuationToken, 'base64url').toString('utf8');
    const start = after === undefined ? 0 : all.findIndex((s) => order(s) > after);
    const page = start < 0 ? [] : all.slice(start, start + query.pageSize);
    const more = start >= 0 && start + query.pageSize < all.length;
    return { snapshots: page, ...(more ? { continuationToken: Buffer.from(order(page.at(-1)!), 'utf8').toString('base64url') } : {}) };
  }

  watch(filter: WatchFilter): Observable<EntitySnapshot> {
    const subject =
      filter.key === undefined
        ? this.layout.stateFilter(filter.name)
        : this.layout.stateSubject(partitionOf({ name: filter.name, key: filter.key }, this.partitionCount), { name: filter.name, key: filter.key });
    // One entity: start from its current snapshot, so nothing between a read and this watch is missed.
    const policy = filter.key === undefined ? DeliverPolicy.New : DeliverPolicy.LastPerSubject;
    return new Observable<EntitySnapshot>((subscriber) => {
      if (this.state === 'stopping' || this.state === 'stopped') {
        subscriber.complete();
        return undefined;
      }
      let messages: ConsumerMessages | undefined;
      let cancelled = false;
      (async () => {
        const consumer = await this.js.consumers.get(this.layout.stateStream, { filterSubjects: subject, deliver_policy: policy });
        messages = await consumer.consume();
        if (cancelled) return messages.stop();
        this.watchers.add(messages);
        for await (const msg of messages) {
          if (msg.headers?.get(UNCHANGED_HEADER) === '1') continue;
          subscriber.next(decodeSnapshot(this.layout.entityOfStateSubject(msg.subject), decodeText(msg.data)));
        }
        this.watchers.delete(messages);
        subscriber.complete();
      })().catch((error: unknown) => {
        if (this.state === 'stopping' || this.state === 'stopped') subscriber.complete();
        else subscriber.error(new TransportError(`Watching ${subject} failed: ${(error as Error).message}`, { cause: error }));
      });
      return () => {
        cancelled = true;
        if (messages) {
          this.watchers.delete(messages);
          messages.stop();
        }
      };
    });
  }

  stats(): EngineStats {
    const stats = { ...this.totals, backlog: 0, scheduled: 0, deadLettered: this.deadLettered, fenced: this.fenced, partitions: [...this.owned.keys()].sort((a, b) => a - b) };
    for (const owned of this.owned.values()) {
      stats.backlog += owned.worker.backlog;
      stats.scheduled += owned.scheduled.size;
    }
    return stats;
  }

  // ---- PartitionSink -------------------------------------------------------------------

  async loadSnapshots(ids: readonly EntityId[]): Promise<readonly (EntitySnapshot | undefined)[]> {
    const local = this.options.local;
    const trusted = (id: EntityId): boolean => {
      const owned = this.owned.get(partitionOf(id, this.partitionCount));
      return local !== undefined && owned !== undefined && !owned.fromServer.has(entityIdToString(id));
    };
    const localIds = ids.filter(trusted);
    const localFound = localIds.length > 0 ? await local!.load(localIds) : [];
    const byKey = new Map<string, SequencedSnapshot | undefined>(localIds.map((id, i) => [entityIdToString(id), localFound[i]]));
    const fetched = await Promise.all(ids.filter((id) => !trusted(id)).map(async (id) => ({ id, found: await this.fetchSnapshot(id) })));
    for (const { id, found } of fetched) {
      byKey.set(entityIdToString(id), found);
      this.owned.get(partitionOf(id, this.partitionCount))?.fromServer.delete(entityIdToString(id));
    }
    return ids.map((id) => {
      const key = entityIdToString(id);
      const found = byKey.get(key);
      this.owned.get(partitionOf(id, this.partitionCount))?.stateSeqs.set(key, found?.streamSeq ?? 0);
      return found?.snapshot;
    });
  }

  async commit(partition: number, batch: readonly Delivery<JsMsg>[], outcome: BatchOutcome): Promise<void> {
    const owned = this.owned.get(partition);
    if (!owned) throw new TransportError(`Partition ${partition} is no longer owned by this worker; the batch is not committed.`);
    const now = this.options.now();
    // The outbox goes first: if the snapshot below is fenced off, whoever owns the entity
    // now re-runs the inputs and re-publishes the same message ids, which JetStream drops.
    await Promise.all(outcome.produced.map((m) => (m.scheduledTime !== undefined && m.scheduledTime > now ? this.publishTimer(m) : this.publishWork(m))));
    const committed = new Set<string>();
    const saved: { snapshot: EntitySnapshot; streamSeq: number; encoded: string }[] = [];
    const published = new Set(outcome.published);
    const results = await Promise.allSettled(
      outcome.changes.map(async (snapshot) => {
        const key = entityIdToString(snapshot.id);
        const encoded = encodeSnapshot(snapshot);
        const ack = await this.js.publish(this.layout.stateSubject(partition, snapshot.id), new TextEncoder().encode(encoded), {
          expect: { lastSubjectSequence: owned.stateSeqs.get(key) ?? 0 },
          // Only the stored position moved: watchers skip it.
          ...(published.has(snapshot) ? {} : { headers: unchangedHeader() }),
        });
        owned.stateSeqs.set(key, ack.seq);
        committed.add(key);
        saved.push({ snapshot, streamSeq: ack.seq, encoded });
      }),
    );
    await this.options.local?.save(saved);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failure) return;
    for (const snapshot of outcome.changes) {
      const key = entityIdToString(snapshot.id);
      if (committed.has(key)) continue;
      owned.stateSeqs.delete(key);
      owned.fromServer.add(key);
    }
    // Entities that did commit will skip these messages on the retry, so answer their calls now.
    this.finish(batch.filter((d) => committed.has(entityIdToString(d.message.target))), outcome);
    const fenced = (failure.reason as NatsError).api_error?.err_code === WRONG_LAST_SEQUENCE;
    if (fenced) this.fenced++;
    throw fenced
      ? new TransportError(`Partition ${partition}: an entity's snapshot changed under this worker (another worker owns it now); reloading.`)
      : failure.reason;
  }

  afterCommit(_partition: number, batch: readonly Delivery<JsMsg>[], outcome: BatchOutcome): void {
    this.totals.applied += outcome.applied;
    this.totals.failed += outcome.failed;
    this.totals.duplicates += outcome.duplicates;
    this.totals.batches++;
    this.finish(batch, outcome);
  }

  // ---- partitions ----------------------------------------------------------------------

  /** After a reconnect, deliveries in flight may have been lost: start every partition over. */
  private async restartOnReconnect(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type !== 'reconnect') continue;
      for (const [partition, owned] of this.owned) void this.restartConsuming(partition, owned, 'reconnected to NATS');
    }
  }

  private async acquire(partition: number): Promise<void> {
    const executor = this.options.executor!;
    const logger = this.options.logger.child({ partition });
    const owned: OwnedPartition = {
      worker: new PartitionWorker<JsMsg>(partition, executor, this, logger, {
        maxBatchSize: this.options.maxBatchSize,
        cacheCapacity: Math.max(16, Math.ceil(this.options.cacheCapacity / this.partitionCount)),
        retryDelayMs: 50,
      }),
      stateSeqs: new Map(),
      fromServer: new Set(),
      scheduled: new ScheduledMessages(this.options.now, (due) => this.fireScheduled(partition, due)),
      loops: [],
    };
    await this.options.local?.catchUp(partition);
    this.owned.set(partition, owned);
    await this.startConsuming(partition, owned);
    // From the start of the filter: the default. (Naming DeliverPolicy.All explicitly makes nats.js 2.29 hang on a 2.9 server.)
    const timers = await this.js.consumers.get(this.layout.timerStream, { filterSubjects: this.layout.timerFilter(partition) });
    owned.timers = await timers.consume();
    owned.loops.push(this.consumeTimers(owned));
    owned.worker.activate();
    owned.scheduled.start();
  }

  /**
   * Starts a fresh consumer for the partition. Per-entity order matters beyond delivery:
   * a message applied after a newer one of the same entity would be skipped as a
   * duplicate. So the consumer is recreated on every acquisition (redelivering what the
   * previous owner left unacknowledged before anything newer).
   */
  private async startConsuming(partition: number, owned: OwnedPartition): Promise<void> {
    await this.options.connection.resetConsumer(partition, this.options.leaseTimeMs);
    const consumer = await this.js.consumers.get(this.layout.workStream, this.layout.consumerName(partition));
    const work = await consumer.consume({ max_messages: Math.max(100, this.options.maxBatchSize) });
    owned.work = work;
    owned.loops.push(this.consumeWork(partition, owned, work));
  }

  /** Drops what is queued and starts over from the oldest unacknowledged message. */
  private async restartConsuming(partition: number, owned: OwnedPartition, why: string): Promise<void> {
    if (owned.restarting || this.owned.get(partition) !== owned) return;
    owned.restarting = true;
    this.options.logger.warn({ partition, why }, 'restarting the partition consumer');
    try {
      owned.work?.stop();
      await owned.worker.deactivate();
      owned.worker.dropQueue();
      if (this.owned.get(partition) !== owned) return;
      await this.startConsuming(partition, owned);
      owned.worker.activate();
    } catch (error) {
      this.options.logger.error({ partition, err: error }, 'could not restart the partition consumer; retrying');
      setTimeout(() => void this.restartConsuming(partition, owned, why), 1000);
    } finally {
      owned.restarting = false;
    }
  }

  private async release(partition: number, graceful: boolean): Promise<void> {
    const owned = this.owned.get(partition);
    if (!owned) return;
    owned.work?.stop();
    owned.timers?.stop();
    owned.scheduled.stop();
    if (graceful) await owned.worker.deactivate();
    else void owned.worker.deactivate();
    this.owned.delete(partition);
    owned.worker.reset();
    await Promise.allSettled(owned.loops);
  }

  private async consumeWork(partition: number, owned: OwnedPartition, work: ConsumerMessages): Promise<void> {
    let lastDelivery = 0;
    for await (const msg of work) {
      // A gap in the consumer's delivery count means a delivery was lost on the wire; the
      // message would come back only after the ack wait, behind newer ones.
      const delivery = msg.info.deliverySequence;
      if (lastDelivery !== 0 && delivery !== lastDelivery + 1) {
        void this.restartConsuming(partition, owned, `delivery ${lastDelivery + 1} did not arrive`);
        return;
      }
      lastDelivery = delivery;
      const decoded = decodeOperation(msg.data, this.options.registry);
      if ('reason' in decoded) {
        await this.deadLetter(partition, msg, decoded.reason);
        continue;
      }
      decoded.message.seq = msg.seq;
      owned.worker.enqueue({ message: decoded.message, ack: msg });
    }
  }

  private async consumeTimers(owned: OwnedPartition): Promise<void> {
    for await (const msg of owned.timers!) {
      if (msg.data.length === 0) continue;
      const message = JSON.parse(decodeText(msg.data)) as OperationMessage;
      owned.scheduled.add([{ due: message.scheduledTime ?? 0, key: msg.subject, message }]);
    }
  }

  private fireScheduled(partition: number, due: readonly ScheduledEntry[]): void {
    void Promise.all(
      due.map(async (entry) => {
        await this.publishWork(entry.message);
        await this.jsm.streams.purge(this.layout.timerStream, { filter: entry.key });
      }),
    ).catch((error: unknown) => {
      const owned = this.owned.get(partition);
      if (!owned) return;
      this.options.logger.warn({ partition, err: error }, 'could not fire scheduled messages; retrying');
      setTimeout(() => owned.scheduled.add(due), 1000);
    });
  }

  private async deadLetter(partition: number, msg: JsMsg, reason: string): Promise<void> {
    const h = headers();
    h.set('Jetstate-Reason', reason);
    h.set('Jetstate-Subject', msg.subject);
    h.set('Jetstate-Sequence', String(msg.seq));
    try {
      await this.js.publish(this.layout.deadLetterSubject(partition), msg.data, { headers: h });
      msg.ack();
      this.deadLettered++;
      this.options.logger.warn({ partition, subject: msg.subject, reason }, 'message moved to the dead-letter stream');
    } catch (error) {
      this.options.logger.error({ partition, err: error }, 'could not dead-letter a message; it will be redelivered');
    }
  }

  /** Acknowledges the deliveries and answers their calls. */
  private finish(batch: readonly Delivery<JsMsg>[], outcome: BatchOutcome): void {
    const replies = new Map(outcome.replies.map((r) => [r.id, r]));
    for (const { message, ack } of batch) {
      ack.ack();
      const reply = replies.get(message.id);
      if (reply && message.replyTo) this.nc.publish(message.replyTo, encodeJson(reply));
    }
  }

  // ---- publishing and reading ----------------------------------------------------------

  private async publishWork(message: OperationMessage): Promise<void> {
    const partition = partitionOf(message.target, this.partitionCount);
    await this.publish(this.layout.workSubject(partition, message.target), message, message.id);
  }

  private async publishTimer(message: OperationMessage): Promise<void> {
    const partition = partitionOf(message.target, this.partitionCount);
    await this.publish(this.layout.timerSubject(partition, message.id), message, `t:${message.id}`);
  }

  private async publish(subject: string, message: OperationMessage, msgID: string): Promise<void> {
    const data = encodeJson(message);
    if (data.length > this.maxPayload) {
      throw new PayloadTooLargeError(data.length, this.maxPayload, `The message for ${message.target.name}/${message.target.key}.${message.operation}`);
    }
    await this.js.publish(subject, data, { msgID });
  }

  private async fetchSnapshot(id: EntityId): Promise<{ snapshot: EntitySnapshot; streamSeq: number } | undefined> {
    const subject = this.layout.stateSubject(partitionOf(id, this.partitionCount), id);
    try {
      const msg = await this.jsm.streams.getMessage(this.layout.stateStream, { last_by_subj: subject });
      return { snapshot: decodeSnapshot(id, decodeText(msg.data)), streamSeq: msg.seq };
    } catch (error) {
      if ((error as NatsError).api_error?.err_code === NO_MESSAGE_FOUND) return undefined;
      throw error;
    }
  }

  /** Every message of a filter as of now (an ordered consumer read to the end). */
  private async readAll(stream: string, filter: string, policy: DeliverPolicy): Promise<JsMsg[]> {
    const out: JsMsg[] = [];
    const info = await this.jsm.streams.info(stream, { subjects_filter: filter });
    if (Object.keys(info.state.subjects ?? {}).length === 0) return out;
    const consumer = await this.js.consumers.get(stream, { filterSubjects: filter, deliver_policy: policy });
    const messages = await consumer.consume();
    for await (const msg of messages) {
      out.push(msg);
      if (msg.info.pending === 0) break;
    }
    messages.stop();
    return out;
  }

  private onReply(data: Uint8Array): void {
    const reply = JSON.parse(decodeText(data)) as OperationReply;
    const waiter = this.waiters.get(reply.id);
    if (!waiter) return;
    this.waiters.delete(reply.id);
    clearTimeout(waiter.timer);
    waiter.resolve(reply);
  }

  private assertOpen(): void {
    if (this.state === 'stopping' || this.state === 'stopped') throw new AppStoppedError();
  }
}
