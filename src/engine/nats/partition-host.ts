import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { setTimeout as delay } from 'node:timers/promises';
import { StorageError, TransportError } from '../../errors';
import { entityIdToString, type EntityId } from '../../registry/entity-id';
import type { Registry } from '../../registry/registry';
import type { BatchOutcome, EntityExecutor } from '../../runtime/entity-executor';
import type { EntitySnapshot, OperationMessage } from '../../runtime/messages';
import { encodeSnapshot } from '../../runtime/snapshot-codec';
import type { EngineStats } from '../engine';
import { PartitionWorker, type Delivery, type PartitionSink } from '../partition-worker';
import type { HubClient } from './hub-client';
import type { HubConnection } from './hub-connection';
import type { HubLayout } from './hub-layout';
import type { LocalSnapshots } from './local-snapshots';
import { PartitionLeases } from './partition-leases';
import { InputRetention } from './input-retention';
import { WorkFeed } from './work-feed';
import { chooseSnapshot, findRegressedEntities, inputsStillRetained } from './snapshot-recovery';
import { decodeOperation } from './wire-codec';
import { JetStreamErrorCode, jetStreamErrorCode } from './jetstream-errors';
import type { Clock } from '../../runtime/clock';
import { publishDeadLetter } from './dead-letter-publishing';
import { newRun, type ConsumerRun, type OwnedPartition } from './owned-partition';
import { CallReplies } from './call-replies';
import { PartitionTimers } from './partition-timers';
import { labelled, withDeadline } from './step-deadlines';

/** What a {@link PartitionHost} needs. */
export interface PartitionHostOptions {
  readonly connection: HubConnection;
  readonly hubClient: HubClient;
  readonly registry: Registry;
  readonly executor: EntityExecutor;
  readonly logger: Logger;
  readonly local?: LocalSnapshots;
  readonly leaseTimeMs: number;
  readonly maxBatchSize: number;
  readonly cacheCapacity: number;
  readonly clock: Clock;
  /** How long acknowledged inputs stay on `<hub>_WORK` (see {@link InputRetention}). */
  readonly inputRetentionMs: number;
}

/**
 * The worker side of the NATS engine: owns partitions through leases, consumes their
 * work, and commits batches. A commit publishes the messages the batch produced (with
 * deterministic `Nats-Msg-Id`s, so re-publishing is harmless), then each touched entity's
 * snapshot fenced with `Nats-Expected-Last-Subject-Sequence`, and only then acknowledges
 * the inputs and answers calls. A worker that lost its partition fails the fence and
 * cannot commit.
 */
export class PartitionHost {
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly layout: HubLayout;
  private readonly partitionCount: number;
  private readonly hubClient: HubClient;
  private readonly owned = new Map<number, OwnedPartition>();
  private readonly leases: PartitionLeases;
  private readonly totals = { applied: 0, failed: 0, duplicates: 0, batches: 0, signalsReceived: 0, messagesApplied: 0 };
  private deadLettered = 0;
  private fenced = 0;
  private stateRegressions = 0;
  private readonly halted = new Set<number>();
  private readonly replies: CallReplies;

  constructor(private readonly options: PartitionHostOptions) {
    this.nc = options.connection.nc;
    this.js = options.connection.js;
    this.jsm = options.connection.jsm;
    this.layout = options.connection.layout;
    this.partitionCount = options.connection.partitionCount;
    this.hubClient = options.hubClient;
    this.replies = new CallReplies(this.nc, options.logger);
    this.leases = new PartitionLeases({
      leases: options.connection.leases!,
      workers: options.connection.workers!,
      liveWorkers: () => options.connection.liveWorkers(),
      workerId: options.connection.workerId,
      partitionCount: this.partitionCount,
      leaseTimeMs: options.leaseTimeMs,
      logger: options.logger,
      listener: {
        acquired: (p) => this.acquire(p),
        givenUp: (p) => this.giveUp(p, true),
        lost: (p) => this.giveUp(p, false),
        renewed: (p) => this.owned.get(p)?.worker.activate(),
      },
    });
  }

  async start(): Promise<void> {
    void this.restartOnReconnect();
    await this.leases.start();
  }

  /** Gives every partition up, after its batch in flight. */
  async stop(): Promise<void> {
    await this.leases.stop();
  }

  stats(): EngineStats {
    const stats = {
      ...this.totals,
      backlog: 0,
      scheduled: 0,
      deadLettered: this.deadLettered,
      fenced: this.fenced,
      stateRegressions: this.stateRegressions,
      haltedPartitions: [...this.halted].sort((a, b) => a - b),
      partitions: [...this.owned.keys()].sort((a, b) => a - b),
    };
    for (const owned of this.owned.values()) {
      stats.backlog += owned.worker.backlog;
      stats.scheduled += owned.timers.size;
    }
    return stats;
  }

  /**
   * Reads snapshots for one ownership of a partition, recording each one's stream sequence
   * as its commit fence. The worker's local copy serves entities it is sure of; the others
   * are read from the server and checked against the local copy and against what this
   * ownership committed before, so a snapshot the server lost in a crash is never taken for
   * the entity's state (see {@link chooseSnapshot}).
   */
  private async loadSnapshots(owned: OwnedPartition, ids: readonly EntityId[]): Promise<readonly (EntitySnapshot | undefined)[]> {
    const local = this.options.local;
    const current = this.owned.get(owned.partition) === owned;
    const trusted = (id: EntityId): boolean => local !== undefined && current && !owned.fromServer.has(entityIdToString(id));
    const localFound = local ? await local.load(ids) : ids.map(() => undefined);
    const fetched = await Promise.all(ids.map((id) => (trusted(id) ? Promise.resolve(undefined) : this.hubClient.fetchSnapshot(id))));
    let replayNeeded = false;
    const snapshots = ids.map((id, i) => {
      const key = entityIdToString(id);
      if (trusted(id)) return this.loaded(owned, key, localFound[i]?.snapshot, localFound[i]?.streamSeq ?? 0);
      owned.fromServer.delete(key);
      const choice = chooseSnapshot(fetched[i], localFound[i], owned.appliedSeqs.get(key));
      if (choice.kind !== 'current') {
        this.stateRegressions++;
        this.options.logger.warn(
          {
            partition: owned.partition,
            entity: key,
            serverAppliedSeq: fetched[i]?.snapshot.lastAppliedSeq ?? null,
            localAppliedSeq: localFound[i]?.snapshot.lastAppliedSeq ?? null,
            knownAppliedSeq: owned.appliedSeqs.get(key) ?? null,
          },
          choice.kind === 'repairedFromLocal'
            ? 'the NATS server served an older snapshot than the local copy (lost in a server crash); repairing from the local copy'
            : 'the NATS server served an older snapshot than this worker committed (lost in a server crash); applying the retained inputs again',
        );
        if (choice.kind === 'replayNeeded') replayNeeded = true;
      }
      return this.loaded(owned, key, choice.snapshot, choice.fence);
    });
    if (replayNeeded) {
      void this.restartConsuming(owned.partition, owned, 'a snapshot fell behind what was committed');
      throw new TransportError(
        `Partition ${owned.partition}: a snapshot on the server is older than one committed before; applying the retained inputs again before anything new.`,
      );
    }
    return snapshots;
  }

  /** Records what an entity was loaded with: its fence, and the position a regression is measured from. */
  private loaded(owned: OwnedPartition, key: string, snapshot: EntitySnapshot | undefined, fence: number): EntitySnapshot | undefined {
    const appliedSeq = snapshot?.lastAppliedSeq ?? 0;
    owned.stateSeqs.set(key, fence);
    owned.appliedSeqs.set(key, appliedSeq);
    if (!owned.run.loadedSeqs.has(key)) owned.run.loadedSeqs.set(key, appliedSeq);
    return snapshot;
  }

  /**
   * Refuses a batch that applies, again, inputs a snapshot had already covered, unless every
   * input the entity needs since its loaded snapshot is still on the server: then the replay
   * rebuilds the state the server lost. Otherwise the partition halts: new work on a
   * rolled-back state would lose acknowledged work for good.
   */
  private checkReplayed(owned: OwnedPartition, batch: readonly Delivery<JsMsg>[]): void {
    const run = owned.run;
    if (run.replayFloor === 0) return;
    // Only inputs at or below the floor can prove anything; past the replay that is none of them.
    // Nor can read-only operations: they never move an entity's stored position.
    const inputs = batch
      .filter((d) => d.message.seq !== undefined && d.message.seq <= run.replayFloor && !this.options.executor.isReadOnly(d.message))
      .map((d) => ({ entity: entityIdToString(d.message.target), seq: d.message.seq }));
    if (inputs.length === 0) return;
    for (const replayed of findRegressedEntities(inputs, run.loadedSeqs, run.replayFloor, run.reported)) {
      run.reported.add(replayed.entity);
      if (!inputsStillRetained(replayed.loadedSeq, run.purgedBelow)) {
        this.halt(
          owned,
          new StorageError(
            `Partition ${owned.partition} halted: the NATS server lost snapshots of '${replayed.entity}' (it is back at input ${replayed.loadedSeq} but had applied input ${replayed.seq}), ` +
              `and the inputs needed to rebuild it were purged (the partition keeps inputs from ${run.purgedBelow} on). Nothing more is applied to this partition. ` +
              `Restore the entity's state (a worker's local copy in its dataDir has it when that worker owned the partition), or raise inputRetentionMs; then restart the workers.`,
          ),
        );
        throw owned.halted!;
      }
      this.stateRegressions++;
      this.options.logger.warn(
        { partition: owned.partition, entity: replayed.entity, loadedAppliedSeq: replayed.loadedSeq, replayedSeq: replayed.seq },
        'a snapshot on the NATS server is older than inputs already applied (lost in a server crash); rebuilding it from the retained inputs',
      );
    }
  }

  private halt(owned: OwnedPartition, error: StorageError): void {
    owned.halted = error;
    owned.paused = true;
    this.halted.add(owned.partition);
    this.options.logger.error({ partition: owned.partition, err: error }, error.message);
  }

  /**
   * Commits a batch of one ownership of a partition. A batch started under an earlier
   * ownership (the partition was lost and acquired again meanwhile) was computed on state
   * that may have moved on, and is refused.
   */
  private async commit(owned: OwnedPartition, batch: readonly Delivery<JsMsg>[], outcome: BatchOutcome): Promise<void> {
    const partition = owned.partition;
    if (this.owned.get(partition) !== owned)
      throw new TransportError(
        `Partition ${partition} is no longer owned by this worker (or was lost and acquired again since this batch began); the batch is not committed.`,
      );
    // A worker paused past its lease finds out here, before it publishes anything; the fence below covers the rest.
    if (!this.leases.holds(partition)) throw new TransportError(`Partition ${partition}: this worker's lease may have expired; the batch is not committed.`);
    if (owned.halted) throw owned.halted;
    this.checkReplayed(owned, batch);
    const now = this.options.clock.now();
    // The outbox goes first: if the snapshot below is fenced off, whoever owns the entity
    // now re-runs the inputs and re-publishes the same message ids, which JetStream drops.
    await this.publishOutbox(outcome.produced, now);
    const committed = new Set<string>();
    const saved: { snapshot: EntitySnapshot; streamSeq: number; encoded: string }[] = [];
    const published = new Set(outcome.published);
    const results = await Promise.allSettled(
      outcome.changes.map(async (snapshot) => {
        const key = entityIdToString(snapshot.id);
        const encoded = encodeSnapshot(snapshot);
        const streamSeq = await this.hubClient.publishSnapshot(partition, snapshot.id, encoded, {
          fence: owned.stateSeqs.get(key) ?? 0,
          unchanged: !published.has(snapshot),
        });
        owned.stateSeqs.set(key, streamSeq);
        owned.appliedSeqs.set(key, snapshot.lastAppliedSeq);
        committed.add(key);
        saved.push({ snapshot, streamSeq, encoded });
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
    // Entities that did commit will skip these messages on the retry, so acknowledge and answer them now.
    const isCommitted = (m: OperationMessage): boolean => committed.has(entityIdToString(m.target));
    this.finish(
      batch.filter((d) => isCommitted(d.message)),
      outcome,
      outcome.released.filter(isCommitted),
    );
    const fenced = jetStreamErrorCode(failure.reason) === JetStreamErrorCode.WrongLastSequence;
    if (fenced) this.fenced++;
    throw fenced
      ? new TransportError(`Partition ${partition}: an entity's snapshot changed under this worker (another worker owns it now); reloading.`)
      : failure.reason;
  }

  /**
   * Publishes what a batch sent. Signals to one target go one after the other, each once
   * the previous is stored: a receiver drops anything at or below the last position it
   * applied from a sender, so a later signal stored ahead of an earlier one (lost on a
   * broken connection) would make the earlier one's re-sent copy look like a duplicate.
   */
  private async publishOutbox(produced: readonly OperationMessage[], now: number): Promise<void> {
    const byTarget = new Map<string, OperationMessage[]>();
    const publishing: Promise<void>[] = [];
    for (const message of produced) {
      if (message.scheduledTime !== undefined && message.scheduledTime > now) {
        publishing.push(this.hubClient.publishTimer(message));
        continue;
      }
      const key = entityIdToString(message.target);
      const chain = byTarget.get(key);
      if (chain) chain.push(message);
      else byTarget.set(key, [message]);
    }
    for (const chain of byTarget.values()) {
      publishing.push(
        chain.length === 1
          ? this.hubClient.publishWork(chain[0]!)
          : (async () => {
              for (const message of chain) await this.hubClient.publishWork(message);
            })(),
      );
    }
    await Promise.all(publishing);
  }

  private afterCommit(batch: readonly Delivery<JsMsg>[], outcome: BatchOutcome): void {
    this.totals.applied += outcome.applied;
    this.totals.failed += outcome.failed;
    this.totals.duplicates += outcome.duplicates;
    this.totals.signalsReceived += outcome.signals;
    this.totals.messagesApplied += outcome.messages;
    this.totals.batches++;
    this.finish(batch, outcome);
  }

  /**
   * After a reconnect, deliveries in flight may have been lost, and a server that restarted
   * may have lost snapshots: start every partition over, replaying its retained inputs.
   */
  async restartOnReconnect(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type !== 'reconnect') continue;
      for (const [partition, owned] of this.owned) void this.restartConsuming(partition, owned, 'reconnected to NATS');
    }
  }

  async acquire(partition: number): Promise<void> {
    const executor = this.options.executor!;
    const logger = this.options.logger.child({ partition });
    // The worker's storage is bound to this ownership, so a batch outliving it cannot touch the next one's fences.
    const sink: PartitionSink<JsMsg> = {
      loadSnapshots: (ids) => this.loadSnapshots(owned, ids),
      commit: (_partition, batch, outcome) => this.commit(owned, batch, outcome),
      afterCommit: (_partition, batch, outcome) => this.afterCommit(batch, outcome),
    };
    const owned: OwnedPartition = {
      partition,
      worker: new PartitionWorker<JsMsg>(partition, executor, sink, logger, {
        maxBatchSize: this.options.maxBatchSize,
        cacheCapacity: Math.max(16, Math.ceil(this.options.cacheCapacity / this.partitionCount)),
        retryDelayMs: 50,
        mayProcess: () => !owned.paused && this.leases.holds(partition),
      }),
      stateSeqs: new Map(),
      appliedSeqs: new Map(),
      fromServer: new Set(),
      run: newRun(0, 0),
      retention: new InputRetention({
        jsm: this.jsm,
        config: this.options.connection.config,
        layout: this.layout,
        partition,
        retentionMs: this.options.inputRetentionMs,
        logger,
      }),
      timers: new PartitionTimers({
        partition,
        js: this.options.connection.orderedJs,
        jsm: this.jsm,
        layout: this.layout,
        hubClient: this.hubClient,
        clock: this.options.clock,
        logger,
        openTimeoutMs: this.options.connection.startStepMs,
      }),
      loops: [],
      consumerSetups: new Set(),
      starting: true,
    };
    // A stream without a leader (a cluster re-electing after losing a server) can leave
    // consumer creation waiting without an error: give the partition up and try later.
    await withDeadline(this.options.local?.catchUp(partition), this.options.connection.startStepMs, `Partition ${partition}: reading its snapshots`);
    this.owned.set(partition, owned);
    // A start given up at its deadline goes on in the background; releasing the partition waits for it.
    await withDeadline(this.startConsuming(partition, owned), this.options.connection.startStepMs, `Partition ${partition}: starting its consumer`);
    await owned.timers.start();
    owned.starting = false;
    owned.worker.activate();
    owned.retention.start();
    // The connection came back while the consumer was being set up: it may have been cut off.
    if (owned.restartWhenStarted !== undefined) void this.restartConsuming(partition, owned, owned.restartWhenStarted);
  }

  /**
   * Starts a fresh consumer for the partition. Per-entity order matters beyond delivery:
   * a message applied after a newer one of the same entity would be skipped as a
   * duplicate. So the consumer is recreated on every acquisition, from the oldest input
   * the partition keeps: acknowledged inputs come again (skipped where snapshots cover
   * them, applied where a server crash lost the snapshot), then what the previous owner
   * left unacknowledged, before anything newer.
   */
  private startConsuming(partition: number, owned: OwnedPartition): Promise<void> {
    const setup = this.setUpConsumer(partition, owned);
    const settled = setup.catch(() => undefined).finally(() => owned.consumerSetups.delete(settled));
    owned.consumerSetups.add(settled);
    return setup;
  }

  private async setUpConsumer(partition: number, owned: OwnedPartition): Promise<void> {
    owned.retention.restart();
    const purgedBelow = await labelled(owned.retention.purgedBelow(), `Partition ${partition}: reading where its inputs were purged`);
    const recordedFloor = await labelled(owned.retention.recordedFloor(), `Partition ${partition}: reading its recorded acknowledgement floor`);
    // The consumer has one name for every ownership: one that ended must not replace the next one's.
    this.requireCurrent(partition, owned);
    const { previousAckFloor, hadConsumer } = await labelled(
      this.options.connection.resetConsumer(partition, this.options.leaseTimeMs),
      `Partition ${partition}: creating its consumer`,
    );
    // A server back from a crash can report a consumer's floor fallen back; the recorded one
    // survives it. Without a consumer there is no such server (a new hub, or a work stream
    // deleted and created again, whose sequences the recorded floor does not describe).
    owned.run = newRun(hadConsumer ? Math.max(previousAckFloor, recordedFloor) : previousAckFloor, purgedBelow);
    const consumer = await labelled(
      this.js.consumers.get(this.layout.workStream, this.layout.consumerName(partition)),
      `Partition ${partition}: reading its consumer`,
    );
    const work = new WorkFeed(
      // nats.js's default pull expiry (30 s, heartbeats every 15 s): with 10 s a single
      // partition under a 30,000-signal burst stopped receiving deliveries.
      await labelled(consumer.consume({ max_messages: Math.max(100, this.options.maxBatchSize) }), `Partition ${partition}: pulling from its consumer`),
    );
    // Released meanwhile: pulling would take deliveries from the next owner's consumer.
    if (this.owned.get(partition) !== owned) work.stop();
    this.requireCurrent(partition, owned);
    owned.work = work;
    owned.loops.push(this.consumeWork(partition, owned, work, owned.run));
    work.watchHeartbeats((missed) => void this.restartConsuming(partition, owned, `its consumer's heartbeats stopped (${missed} missed)`));
  }

  private requireCurrent(partition: number, owned: OwnedPartition): void {
    if (this.owned.get(partition) !== owned) throw new Error(`Partition ${partition} was released while its consumer was being set up`);
  }

  /**
   * Drops what is queued and what is cached, and starts over from the oldest retained
   * input. No batch runs from the moment this is called until the new consumer is in place.
   */
  private async restartConsuming(partition: number, owned: OwnedPartition, why: string): Promise<void> {
    if (this.owned.get(partition) !== owned || owned.halted) return;
    owned.paused = true;
    if (owned.starting) {
      owned.restartWhenStarted = why;
      return;
    }
    if (owned.restarting) {
      owned.restartAgain = true;
      return;
    }
    owned.restarting = true;
    this.options.logger.warn({ partition, why }, 'restarting the partition consumer');
    try {
      do {
        owned.restartAgain = false;
        // Recreating the consumer would take it from under a new owner: make sure it is still ours.
        if (!(await this.leases.confirm(partition))) {
          // Not awaited: stopping the partition waits for this restart to end.
          void this.leases.forfeit(partition, `the lease was gone when the consumer had to restart (${why})`);
          return;
        }
        owned.work?.stop();
        await owned.worker.deactivate();
        owned.worker.reset();
        if (this.owned.get(partition) !== owned) return;
        await this.startConsuming(partition, owned);
      } while (owned.restartAgain);
      if (owned.halted || this.owned.get(partition) !== owned) return;
      owned.paused = false;
      owned.worker.activate();
    } catch (error) {
      if (this.owned.get(partition) !== owned) return;
      this.options.logger.error({ partition, err: error }, 'could not restart the partition consumer; retrying');
      setTimeout(() => void this.restartConsuming(partition, owned, why), 1000);
    } finally {
      owned.restarting = false;
    }
  }

  async giveUp(partition: number, graceful: boolean): Promise<void> {
    const owned = this.owned.get(partition);
    if (!owned) return;
    owned.work?.stop();
    owned.loops.push(owned.timers.stop());
    owned.retention.stop();
    if (graceful) await owned.worker.deactivate();
    else void owned.worker.deactivate();
    this.owned.delete(partition);
    owned.worker.reset();
    // A consumer stopped while the connection is down or its stream changes leader can take
    // long to end its iterator; the partition is already released, so do not hold up the
    // lease loops (which renew the other partitions) for it.
    await Promise.race([Promise.allSettled(owned.loops), delay(this.options.leaseTimeMs)]);
    // Every request of a set-up has a timeout, so this ends; the partition's next start waits for it.
    await Promise.all(owned.consumerSetups);
  }

  private async consumeWork(partition: number, owned: OwnedPartition, work: WorkFeed, run: ConsumerRun): Promise<void> {
    let lastDelivery = 0;
    await work.run(async (msg) => {
      // A gap in the consumer's delivery count means a delivery was lost on the wire; the
      // message would come back only after the ack wait, behind newer ones.
      // The consumer was created just before this loop started, so the first delivery is 1.
      const delivery = msg.info.deliverySequence;
      if (delivery !== lastDelivery + 1) {
        work.stop();
        void this.restartConsuming(partition, owned, `delivery ${lastDelivery + 1} did not arrive`);
        return;
      }
      lastDelivery = delivery;
      const decoded = decodeOperation(msg.data, this.options.registry);
      if ('reason' in decoded) {
        // At or below the floor it was dead-lettered already, when it first came.
        if (msg.seq <= run.replayFloor) msg.ack();
        else await this.deadLetter(owned, msg, decoded.reason);
        return;
      }
      decoded.message.seq = msg.seq;
      owned.worker.enqueue({ message: decoded.message, ack: msg });
    });
  }

  private async deadLetter(owned: OwnedPartition, msg: JsMsg, reason: string): Promise<void> {
    const { partition } = owned;
    try {
      await publishDeadLetter(this.js, this.layout.deadLetterSubject(partition), 'work', msg, reason);
      // Out of the retained inputs too: a replay must not run it behind its dead letter's back
      // once a worker can (the dead letter's own replay does that, once).
      await this.jsm.streams.deleteMessage(this.layout.workStream, msg.seq, false);
      msg.ack();
      this.replies.reject(msg.data, reason);
      this.deadLettered++;
      this.options.logger.warn({ partition, subject: msg.subject, reason }, 'message moved to the dead-letter stream');
    } catch (error) {
      this.options.logger.error({ partition, err: error }, 'could not dead-letter a message; it will be redelivered');
    }
  }

  /** Acknowledges the deliveries and answers their calls. */
  private finish(batch: readonly Delivery<JsMsg>[], outcome: BatchOutcome, released: readonly OperationMessage[] = outcome.released): void {
    for (const { ack } of batch) ack.ack();
    this.replies.answer(batch, outcome, released);
  }
}
