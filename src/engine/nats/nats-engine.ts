import { randomBytes } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import { Observable } from 'rxjs';
import { AppStoppedError, TimeoutError } from '../../errors';
import type { EntityId } from '../../registry/entity-id';
import type { Registry } from '../../registry/registry';
import type { EntityExecutor } from '../../runtime/entity-executor';
import type { EntitySnapshot, OperationMessage, OperationReply } from '../../runtime/messages';
import { decodeSnapshot } from '../../runtime/snapshot-codec';
import type { EngineOptions } from '../engine-options';
import { zeroStats, type Engine, type EngineStats, type SnapshotPage, type SnapshotQuery, type WatchFilter } from '../engine';
import { partitionOf } from '../partitioner';
import { ActivityTaskConsumer } from './activity-task-consumer';
import { NatsDeadLetters } from './nats-dead-letters';
import { toJetstateError } from './transport-errors';
import { HubClient, UNCHANGED_HEADER } from './hub-client';
import { PublishFolding } from './publish-folding';
import type { HubConnection } from './hub-connection';
import type { HubLayout } from './hub-layout';
import type { LocalSnapshots } from './local-snapshots';
import { openOrderedConsumer } from './ordered-consumers';
import { PartitionHost } from './partition-host';
import { decodeText } from './wire-codec';

/** Settings of a {@link NatsEngine}. */
/** The engine's settings; its partition count is the hub's, from {@link HubConnection}. */
export interface NatsEngineOptions extends Omit<EngineOptions, 'partitionCount'> {
  readonly connection: HubConnection;
  readonly registry: Registry;
  /** Present in a worker (it hosts entities); absent in a client-only process. */
  readonly executor?: EntityExecutor;
  /** A worker's local snapshot copy (when it has a data directory). */
  readonly local?: LocalSnapshots;
  readonly leaseTimeMs: number;
  readonly inputRetentionMs: number;
  readonly callTimeoutMs: number;
  readonly activityAckWaitMs: number;
}

interface Waiter {
  readonly resolve: (reply: OperationReply) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The NATS JetStream engine. JetStream is the log (`<hub>_WORK`, one durable consumer per
 * partition), the committed state (`<hub>_STATE`, the last snapshot per entity) and the
 * timer store (`<hub>_TIMERS`). Every process can send, call, read and watch; a worker
 * (one with an executor) also hosts partitions through a {@link PartitionHost}.
 */
export class NatsEngine implements Engine {
  private readonly nc: NatsConnection;
  private readonly layout: HubLayout;
  private readonly partitionCount: number;
  private readonly hubClient: HubClient;
  private readonly outgoing: PublishFolding;
  private readonly partitionHost: PartitionHost | undefined;
  private readonly activityTaskConsumer: ActivityTaskConsumer | undefined;
  readonly deadLetters: NatsDeadLetters;
  private readonly waiters = new Map<string, Waiter>();
  private readonly watchers = new Set<ConsumerMessages>();
  private readonly replyInbox: string;
  private replies: Subscription | undefined;
  private state: 'open' | 'running' | 'stopping' | 'stopped' = 'open';

  constructor(private readonly options: NatsEngineOptions) {
    const connection = options.connection;
    this.nc = connection.nc;
    this.layout = connection.layout;
    this.partitionCount = connection.partitionCount;
    this.hubClient = new HubClient(connection);
    this.outgoing = new PublishFolding(
      (message) => this.hubClient.publishWork(message),
      (name, operation) => (options.registry.hasEntity(name) ? options.registry.entityNamed(name).operations.get(operation)?.merge : undefined),
    );
    this.deadLetters = new NatsDeadLetters(connection.js, connection.jsm, connection.layout);
    this.partitionHost = options.executor
      ? new PartitionHost({
          connection,
          hubClient: this.hubClient,
          registry: options.registry,
          executor: options.executor,
          logger: options.logger,
          ...(options.local ? { local: options.local } : {}),
          leaseTimeMs: options.leaseTimeMs,
          inputRetentionMs: options.inputRetentionMs,
          maxBatchSize: options.maxBatchSize,
          cacheCapacity: options.cacheCapacity,
          clock: options.clock,
        })
      : undefined;
    this.activityTaskConsumer =
      options.executor && options.activities
        ? new ActivityTaskConsumer({
            connection,
            hubClient: this.hubClient,
            registry: options.registry,
            handler: options.activities,
            concurrency: options.activityConcurrency,
            ackWaitMs: options.activityAckWaitMs,
            logger: options.logger,
            clock: options.clock,
          })
        : undefined;
    this.replyInbox = this.layout.replySubject(
      randomBytes(9)
        .toString('base64url')
        .replace(/[^A-Za-z0-9]/g, 'x'),
    );
  }

  async start(): Promise<void> {
    this.assertOpen();
    this.state = 'running';
    try {
      await this.partitionHost?.start();
      await this.activityTaskConsumer?.start();
    } catch (error) {
      throw toJetstateError(error, 'starting the worker (its heartbeat, partition leases and activity consumer)');
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    await Promise.all([this.partitionHost?.stop(), this.activityTaskConsumer?.stop()]);
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
    const now = this.options.clock.now();
    // Scheduled signals go to the timer stream; the others through the publish buffer, which folds hot keys' signals.
    try {
      await Promise.all(messages.map((m) => (m.scheduledTime !== undefined && m.scheduledTime > now ? this.hubClient.publishTimer(m) : this.outgoing.send(m))));
    } catch (error) {
      throw toJetstateError(error, `sending ${describe(messages)}`, { mayHaveBeenStored: true });
    }
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
    // The timer can fire while the publish is still pending (or the publish can fail after
    // it fired): the reply's rejection must not go unhandled then; the caller sees whichever comes first.
    reply.catch(() => undefined);
    try {
      // Through the publish buffer: a call stays behind the signals sent to its entity before it.
      await this.outgoing.send(sent);
    } catch (error) {
      const waiter = this.waiters.get(message.id);
      this.waiters.delete(message.id);
      if (waiter) clearTimeout(waiter.timer);
      throw toJetstateError(error, `sending the call ${describe([message])}`, { mayHaveBeenStored: true });
    }
    return reply;
  }

  async readSnapshot(id: EntityId): Promise<EntitySnapshot | undefined> {
    this.assertOpen();
    try {
      return (await this.hubClient.fetchSnapshot(id))?.snapshot;
    } catch (error) {
      throw toJetstateError(error, `reading the state of ${id.name}/${id.key}`);
    }
  }

  async listSnapshots(query: SnapshotQuery): Promise<SnapshotPage> {
    this.assertOpen();
    const all: EntitySnapshot[] = [];
    const stored = await this.hubClient
      .readAll(this.layout.stateStream, this.layout.stateFilter(query.name), DeliverPolicy.LastPerSubject)
      .catch((error: unknown) => {
        throw toJetstateError(error, `listing the entities${query.name === undefined ? '' : ` named ${query.name}`}`);
      });
    for (const msg of stored) {
      const snapshot = decodeSnapshot(this.layout.entityOfStateSubject(msg.subject), decodeText(msg.data));
      if (!snapshot.exists) continue;
      if (query.keyPrefix !== undefined && !snapshot.id.key.startsWith(query.keyPrefix)) continue;
      if (query.lastModifiedFrom !== undefined && snapshot.lastModified < query.lastModifiedFrom) continue;
      if (query.lastModifiedTo !== undefined && snapshot.lastModified > query.lastModifiedTo) continue;
      if (query.where && !query.where(snapshot)) continue;
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
    return new Observable<EntitySnapshot>((subscriber) => {
      if (this.state === 'stopping' || this.state === 'stopped') {
        subscriber.complete();
        return undefined;
      }
      // One entity: start from its current snapshot, so nothing between a read and this watch
      // is missed. Every entity of a name: start from the moment of subscribing, not from when
      // the consumer exists (a commit made in between would be missed); clocks apart by some
      // milliseconds move that moment by as much.
      const start =
        filter.key === undefined
          ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date().toISOString() }
          : { deliver_policy: DeliverPolicy.LastPerSubject };
      let messages: ConsumerMessages | undefined;
      let cancelled = false;
      (async () => {
        const consumer = await openOrderedConsumer(
          this.options.connection.orderedJs,
          this.layout.stateStream,
          { filter_subjects: subject, ...start },
          this.options.connection.startStepMs,
        );
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
        else subscriber.error(toJetstateError(error, `watching the committed states on ${subject}`));
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
    const stats = this.partitionHost?.stats() ?? zeroStats();
    return this.activityTaskConsumer ? { ...stats, deadLettered: stats.deadLettered + this.activityTaskConsumer.deadLettered } : stats;
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
    if (this.state === 'stopping' || this.state === 'stopped') {
      throw new AppStoppedError(
        'This app or client is stopped (app.stop() or client.close() was called) and its NATS connection is closed. Create a new one to send more work.',
      );
    }
  }
}

/** `Counter/visits.add` (and how many more), for error messages. */
function describe(messages: readonly OperationMessage[]): string {
  const first = messages[0];
  if (!first) return 'nothing';
  const name = `${first.target.name}/${first.target.key}.${first.operation}`;
  return messages.length > 1 ? `${name} and ${messages.length - 1} more` : name;
}
