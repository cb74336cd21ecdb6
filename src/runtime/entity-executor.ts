import type { Logger } from 'pino';
import { ReadOnlyOperationError, SerializationError, UnknownOperationError } from '../errors';
import { DELETE_OPERATION, type Constructor, type EntityDefinition, type OperationDefinition } from '../registry/entity-definition';
import { entityIdToString, type EntityId } from '../registry/entity-id';
import type { Registry } from '../registry/registry';
import { EntityCache, type LiveEntity } from './entity-cache';
import { runInEntityContext } from './entity-context';
import type { EntitySnapshot, OperationMessage, OperationReply } from './messages';
import { LOCK_OPERATION, UNLOCK_OPERATION, isLockRequest, type UnlockRequest } from './entity-locks';
import { EntityLockQueue } from './entity-lock-queue';
import { MessageOrigins } from './message-origins';
import { OperationContext, checkMessageSize } from './operation-context';
import { rollUpValue, sendRollUp } from './roll-up';
import { IDLE_CHECK_OPERATION, scheduleFirstIdleCheck, scheduleIdleCheck } from './idle-retention';
import { checkWindowOpen, scheduleWindowDeletion } from './window-rules';
import { ApplyFolding } from './apply-folding';
import { isPromiseLike, replyMessage, toRemoteError } from './operation-outcome';
import { canFold, foldOutbox, signalCount, unappliedRest } from './signal-folding';
import { assignPlain, fromPlain, toJson, toPlain } from './value-codec';
import { NOOP_OPERATION_SPAN, telemetry } from '../telemetry/telemetry';

/** Reads committed snapshots for entities that are not in memory. */
export interface SnapshotLoader {
  loadSnapshots(ids: readonly EntityId[]): Promise<readonly (EntitySnapshot | undefined)[]>;
}

/** Everything one batch produced, to be committed atomically and published after. */
export interface BatchOutcome {
  /** New snapshots to store: entities whose state or stored position changed. */
  readonly changes: EntitySnapshot[];
  /** The subset of `changes` whose state changed: what state streams emit. */
  readonly published: EntitySnapshot[];
  /** Signals the batch's operations sent (some with a `scheduledTime`). */
  readonly produced: OperationMessage[];
  /** Answers to the batch's calls. */
  readonly replies: OperationReply[];
  /** Operations run successfully (a run of signals merged in the apply loop counts once). */
  applied: number;
  failed: number;
  /** New (not duplicate) messages taken from the log. */
  messages: number;
  /** Signals and calls those messages stand for: more than `messages` when signals were folded before they were stored. */
  signals: number;
  /** Messages skipped because they were at or below their entity's `lastAppliedSeq`. */
  duplicates: number;
  /**
   * Messages of earlier batches that waited for a lock and ran in this one: their replies
   * are in `replies`, and engines answer their callers from here.
   */
  readonly released: OperationMessage[];
}

/** Dependencies of the {@link EntityExecutor}. */
export interface EntityExecutorOptions {
  readonly registry: Registry;
  readonly logger: Logger;
  /** Creates a fresh entity instance (the dependency-injection hook). */
  readonly createInstance: (ctor: Constructor) => object;
  readonly now: () => number;
  /** Largest stored state, in bytes of JSON; an operation that grows the state past it fails. */
  readonly maxStateBytes?: number;
  /** Largest message the engine carries; an operation whose signal or call result is larger fails. */
  readonly maxMessageBytes?: number;
}

type RunResult =
  { readonly ok: true; readonly value: unknown; readonly produced: readonly OperationMessage[] } | { readonly ok: false; readonly error: unknown };

/** A state to roll back to. */
interface Checkpoint {
  readonly exists: boolean;
  readonly stateJson: string | undefined;
}

/**
 * Applies batches of operations to entities. Operations on one entity run one at a time
 * in message order. An operation that throws (or leaves state that cannot be stored) is
 * rolled back: the entity is rebuilt from the last checkpoint (the committed snapshot, or
 * the state after the last failure) and the operations between that checkpoint and the
 * failure are run again, each checked. This costs nothing on the success path, where state
 * is serialized once per entity per batch.
 */
export class EntityExecutor {
  private readonly folding: ApplyFolding;

  constructor(private readonly options: EntityExecutorOptions) {
    this.folding = new ApplyFolding(this.mergeOf);
  }

  /** The `merge` of an entity's operation, when it is registered and mergeable. */
  readonly mergeOf = (entity: string, operation: string): ((a: unknown, b: unknown) => unknown) | undefined =>
    this.options.registry.hasEntity(entity) ? this.options.registry.entityNamed(entity).operations.get(operation)?.merge : undefined;

  /** True when the message runs a read-only operation: it commits nothing, not even its log position. */
  readonly isReadOnly = (message: OperationMessage): boolean => {
    const definition = this.options.registry.hasEntity(message.target.name) ? this.options.registry.entityNamed(message.target.name) : undefined;
    return definition !== undefined && isReadOnlyOn(definition, message);
  };

  /** Runs a folded message; true when it succeeded without sending anything (then it stands). */
  private async runFolded(
    entity: LiveEntity,
    folded: OperationMessage,
    results: Map<OperationMessage, RunResult>,
    traces: TraceParents | undefined,
  ): Promise<boolean> {
    const pending = this.runFirst(entity, folded, traces);
    const result = isPromiseLike(pending) ? await pending : pending;
    if (!result.ok) return false;
    // A window's scheduled deletion and an idle check are the exception: a copy scheduled twice does no harm.
    if (result.produced.some((m) => !(isScheduledHousekeeping(m) && m.target.key === folded.target.key && m.target.name === folded.target.name))) {
      this.folding.sends(folded);
      return false;
    }
    results.set(folded, result);
    return true;
  }

  async execute(messages: readonly OperationMessage[], cache: EntityCache, loader: SnapshotLoader): Promise<BatchOutcome> {
    const outcome: BatchOutcome = {
      changes: [],
      published: [],
      produced: [],
      replies: [],
      released: [],
      applied: 0,
      failed: 0,
      duplicates: 0,
      messages: 0,
      signals: 0,
    };
    const groups = new Map<string, OperationMessage[]>();
    for (const message of messages) {
      const key = entityIdToString(message.target);
      const group = groups.get(key);
      if (group) group.push(message);
      else groups.set(key, [message]);
    }
    const live = await this.liveEntities(groups, cache, loader, outcome);
    // With tracing on: the span context of each message's first run, which what it sends carries.
    const traces = telemetry().active ? new TraceParents() : undefined;
    // Entities are independent: an operation that awaits holds only its own entity.
    const running: Promise<void>[] = [];
    for (const [key, group] of groups) {
      const entity = live.get(key);
      if (entity) running.push(this.applyGroup(entity, group, outcome, traces));
    }
    await Promise.all(running);
    return outcome;
  }

  private async liveEntities(
    groups: ReadonlyMap<string, OperationMessage[]>,
    cache: EntityCache,
    loader: SnapshotLoader,
    outcome: BatchOutcome,
  ): Promise<Map<string, LiveEntity>> {
    const live = new Map<string, LiveEntity>();
    const missing: { key: string; id: EntityId; definition: EntityDefinition }[] = [];
    for (const [key, group] of groups) {
      const cached = cache.get(key);
      if (cached) {
        live.set(key, cached);
        continue;
      }
      const id = group[0]!.target;
      try {
        missing.push({ key, id, definition: this.options.registry.entityNamed(id.name) });
      } catch (error) {
        this.failAll(group, outcome, error, `no entity named '${id.name}' is registered`);
      }
    }
    if (missing.length === 0) return live;
    const snapshots = await loader.loadSnapshots(missing.map((m) => m.id));
    missing.forEach(({ key, id, definition }, i) => {
      const committed = snapshots[i];
      const entity: LiveEntity = { id, definition, instance: {}, exists: false, committed };
      try {
        this.restore(entity, { exists: committed?.exists ?? false, stateJson: committed?.stateJson });
        live.set(key, entity);
        // Cached entities were refreshed by their get above. An entity is changed in place
        // as the batch runs; a batch that fails to commit invalidates every entity it touched.
        cache.set(key, entity);
      } catch (error) {
        this.failAll(groups.get(key)!, outcome, error, `its state could not be restored`);
      }
    });
    return live;
  }

  private async applyGroup(entity: LiveEntity, group: readonly OperationMessage[], outcome: BatchOutcome, traces: TraceParents | undefined): Promise<void> {
    const startSeq = entity.committed?.lastAppliedSeq ?? 0;
    let lastSeq = startSeq;
    let checkpoint: Checkpoint = { exists: entity.committed?.exists ?? false, stateJson: entity.committed?.stateJson };
    let sinceCheckpoint: OperationMessage[] = [];
    const results = new Map<OperationMessage, RunResult>();
    const origins = new MessageOrigins(entity.committed?.origins);
    const startSent = entity.committed?.sent ?? 0;
    let sent = startSent;
    const sender = entityIdToString(entity.id);
    // Signals this entity sends are numbered in order (scheduled ones excepted: they fire out of order).
    const stamp = (m: OperationMessage): OperationMessage => (m.scheduledTime !== undefined ? m : { ...m, origin: { entity: sender, n: ++sent } });
    const locks = new EntityLockQueue(entity.committed?.lock);
    // The batch's messages, with whatever a released lock lets through spliced in after its unlock.
    let work = group;
    const ran: OperationMessage[] = [];
    const mergeOf = (m: OperationMessage) => this.mergeOf(m.target.name, m.operation);
    // A new message (not a copy already applied) advances the stored positions. A fold of
    // signals from an entity that was partly applied already is cut down to the rest.
    // A read-only operation leaves the position alone, so it stores nothing; a copy of it
    // delivered again runs again, which changes nothing either.
    const admit = (m: OperationMessage): OperationMessage | undefined => {
      if (m.seq !== undefined) {
        if (m.seq <= lastSeq) {
          outcome.duplicates++;
          return undefined;
        }
        if (!isReadOnlyOn(entity.definition, m)) lastSeq = m.seq;
      }
      let admitted = m;
      if (m.origin) {
        // A copy its sender published again (a retried commit) that is past the log's own deduplication.
        const rest = unappliedRest(m, origins.last(m.origin.entity), mergeOf(m));
        if (!rest) {
          outcome.duplicates++;
          return undefined;
        }
        origins.record(m.origin);
        admitted = rest;
      }
      outcome.messages++;
      outcome.signals += signalCount(admitted);
      return admitted;
    };
    const runOne = async (message: OperationMessage): Promise<void> => {
      const pending = this.runFirst(entity, message, traces);
      const result = isPromiseLike(pending) ? await pending : pending;
      results.set(message, result);
      ran.push(message);
      if (result.ok) {
        sinceCheckpoint.push(message);
        return;
      }
      this.restore(entity, checkpoint);
      checkpoint = await this.runChecked(entity, sinceCheckpoint, checkpoint, results);
      sinceCheckpoint = [];
    };
    for (let i = 0; i < work.length; i++) {
      const wasWaiting = locks.wasWaiting(work[i]!);
      const message = wasWaiting ? work[i]! : admit(work[i]!);
      if (!message) continue;
      if (message.operation === LOCK_OPERATION) {
        if (!isLockRequest(message.input)) {
          this.options.logger.error({ entity: entity.id.name, key: entity.id.key, message: message.id }, 'dropping a malformed lock request');
          continue;
        }
        const next = locks.request(message, message.input);
        if (next) outcome.produced.push(stamp(next));
        continue;
      }
      if (message.operation === UNLOCK_OPERATION) {
        const waiting = locks.release(message.input as UnlockRequest | undefined);
        if (waiting.length > 0) work = [...work.slice(0, i + 1), ...waiting, ...work.slice(i + 1)];
        continue;
      }
      if (locks.holdBack(message)) {
        // Queued, a read-only message is stored after all: its position moves, so a copy delivered again is not queued twice.
        if (message.seq !== undefined && message.seq > lastSeq) lastSeq = message.seq;
        continue;
      }
      if (wasWaiting) {
        outcome.released.push(message);
        await runOne(message);
        continue;
      }
      // The apply loop's fold: the run of signals after this one that it may merge with.
      const merge = this.folding.mergeFor(message, locks.isHeld);
      const run = [message];
      while (merge && i + 1 < work.length && !locks.wasWaiting(work[i + 1]!) && canFold(message, work[i + 1]!)) {
        const next = admit(work[++i]!);
        if (next) run.push(next);
      }
      if (run.length === 1) {
        await runOne(message);
        continue;
      }
      const folded = this.folding.fold(run, merge!);
      if (folded && (await this.runFolded(entity, folded, results, traces))) {
        sinceCheckpoint.push(folded);
        ran.push(folded);
        continue;
      }
      if (folded) {
        // Not foldable after all (it failed, or it sends signals): back to the state before it, then one at a time.
        this.restore(entity, checkpoint);
        checkpoint = await this.runChecked(entity, sinceCheckpoint, checkpoint, results);
        sinceCheckpoint = [];
      }
      for (const single of run) await runOne(single);
    }
    let stateJson: string | undefined;
    if (entity.exists) {
      try {
        stateJson = this.serialize(entity);
      } catch {
        this.restore(entity, checkpoint);
        checkpoint = await this.runChecked(entity, sinceCheckpoint, checkpoint, results);
        stateJson = checkpoint.stateJson;
      }
    }
    const outboxStart = outcome.produced.length;
    for (const message of ran) {
      const result = results.get(message);
      // The answer of a read-only operation is not numbered: numbering it would have to be stored.
      if (result) this.record(message, result, outcome, isReadOnlyOn(entity.definition, message) ? undefined : stamp, traces?.get(message));
    }
    // The outbox's fold: this entity's signals of a mergeable operation to one entity, one message a run.
    if (outcome.produced.length - outboxStart > 1) outcome.produced.push(...foldOutbox(outcome.produced.splice(outboxStart), this.mergeOf));
    const previous = entity.committed;
    const stateChanged = entity.exists !== (previous?.exists ?? false) || (entity.exists && stateJson !== previous?.stateJson);
    // Read-only calls that change nothing commit nothing. Signals always advance the
    // stored position, so a redelivery never runs them again, even when they failed.
    if (!stateChanged && lastSeq === startSeq && sent === startSent && !locks.changed) return;
    const originsSnapshot = origins.toSnapshot();
    const snapshot: EntitySnapshot = {
      id: entity.id,
      exists: entity.exists,
      stateJson: entity.exists ? stateJson : undefined,
      lastAppliedSeq: lastSeq,
      version: (previous?.version ?? 0) + (stateChanged ? 1 : 0),
      lastModified: stateChanged || !previous ? this.options.now() : previous.lastModified,
      ...(locks.current === undefined ? {} : { lock: locks.current }),
      ...(sent === 0 ? {} : { sent }),
      ...(originsSnapshot === undefined ? {} : { origins: originsSnapshot }),
    };
    entity.committed = snapshot;
    outcome.changes.push(snapshot);
    if (stateChanged) outcome.published.push(snapshot);
  }

  /** Runs operations one at a time from `start`, checking after each that the state can be stored. */
  private async runChecked(
    entity: LiveEntity,
    messages: readonly OperationMessage[],
    start: Checkpoint,
    results: Map<OperationMessage, RunResult>,
  ): Promise<Checkpoint> {
    let good = start;
    for (const message of messages) {
      const pending = this.run(entity, message);
      let result = isPromiseLike(pending) ? await pending : pending;
      if (result.ok) {
        try {
          good = { exists: entity.exists, stateJson: entity.exists ? this.serialize(entity) : undefined };
        } catch (error) {
          result = { ok: false, error };
        }
      }
      if (!result.ok) this.restore(entity, good);
      results.set(message, result);
    }
    return good;
  }

  /**
   * The first run of a message, in its operation span when tracing is on. Re-runs after a
   * rollback happen in memory and get no span of their own.
   */
  private runFirst(entity: LiveEntity, message: OperationMessage, traces: TraceParents | undefined): RunResult | Promise<RunResult> {
    if (!traces) return this.run(entity, message);
    const span = telemetry().operation(message);
    if (span === NOOP_OPERATION_SPAN) return this.run(entity, message);
    if (span.traceParent !== undefined) traces.set(message, span.traceParent);
    const end = (result: RunResult): RunResult => {
      span.end(result.ok ? undefined : result.error);
      return result;
    };
    const pending = span.run(() => this.run(entity, message));
    return isPromiseLike(pending) ? pending.then(end) : end(pending);
  }

  /** Runs one operation; synchronous operations finish without a promise. */
  private run(entity: LiveEntity, message: OperationMessage): RunResult | Promise<RunResult> {
    let before: unknown;
    const existedBefore = entity.exists;
    const operation = entity.definition.operations.get(message.operation);
    try {
      checkWindowOpen(entity, message.operation, this.options.now);
      before = operation?.readOnly ? this.serialize(entity) : rollUpValue(entity);
    } catch (error) {
      return { ok: false, error };
    }
    if (message.operation === DELETE_OPERATION) return this.runDelete(entity, message, before);
    if (message.operation === IDLE_CHECK_OPERATION) return this.runIdleCheck(entity, message, before);
    if (!operation) {
      const known = [...entity.definition.operations.keys(), DELETE_OPERATION];
      return { ok: false, error: new UnknownOperationError(entity.definition.name, message.operation, known) };
    }
    const context = new OperationContext(this.options.registry, message, this.options.logger, this.options.maxMessageBytes);
    let value: unknown;
    try {
      const instance = entity.instance as Record<string, (input: unknown) => unknown>;
      const input = fromPlain(operation.inputType, message.input);
      value = runInEntityContext(context, operation.isAsync, () => instance[operation.methodName]!(input));
    } catch (error) {
      context.active = false;
      return { ok: false, error };
    }
    if (isPromiseLike(value)) return this.finishAsync(entity, message, operation, context, value, before, existedBefore);
    return this.finish(entity, message, operation, context, value, before, existedBefore);
  }

  private async finishAsync(
    entity: LiveEntity,
    message: OperationMessage,
    operation: OperationDefinition,
    context: OperationContext,
    pending: PromiseLike<unknown>,
    before: unknown,
    existedBefore: boolean,
  ): Promise<RunResult> {
    let value: unknown;
    try {
      value = await pending;
    } catch (error) {
      context.active = false;
      return { ok: false, error };
    }
    return this.finish(entity, message, operation, context, value, before, existedBefore);
  }

  private runDelete(entity: LiveEntity, message: OperationMessage, before: unknown): RunResult {
    this.resetToFresh(entity);
    if (!entity.definition.rollUp) return { ok: true, value: undefined, produced: [] };
    const context = new OperationContext(this.options.registry, message, this.options.logger, this.options.maxMessageBytes);
    try {
      sendRollUp(context, entity, before);
      return { ok: true, value: undefined, produced: context.produced };
    } catch (error) {
      return { ok: false, error };
    } finally {
      context.active = false;
    }
  }

  /** Deletes an entity idle for its `idleRetentionMs`, or schedules the next check (see idle-retention.ts). */
  private runIdleCheck(entity: LiveEntity, message: OperationMessage, before: unknown): RunResult {
    const idleMs = entity.definition.idleRetentionMs;
    if (idleMs === undefined || !entity.exists) return { ok: true, value: undefined, produced: [] };
    const now = this.options.now();
    const committed = entity.committed;
    // A change earlier in this batch is not committed yet: it counts as a change now.
    const changedSinceCommit = !committed?.exists || committed.stateJson !== this.serialize(entity);
    const dueMs = (changedSinceCommit ? now : committed.lastModified) + idleMs;
    if (dueMs <= now) return this.runDelete(entity, message, before);
    const context = new OperationContext(this.options.registry, message, this.options.logger, this.options.maxMessageBytes);
    try {
      scheduleIdleCheck(context, entity, dueMs);
      return { ok: true, value: undefined, produced: context.produced };
    } catch (error) {
      return { ok: false, error };
    } finally {
      context.active = false;
    }
  }

  private finish(
    entity: LiveEntity,
    message: OperationMessage,
    operation: OperationDefinition,
    context: OperationContext,
    value: unknown,
    before: unknown,
    existedBefore: boolean,
  ): RunResult {
    try {
      const plain =
        (message.kind === 'call' || message.replyVia) && value !== undefined
          ? toPlain(value, `result of ${entity.definition.name}.${operation.name}`)
          : undefined;
      if (plain !== undefined)
        checkMessageSize(plain, this.options.maxMessageBytes, `The result of ${entity.definition.name}/${entity.id.key}.${operation.name}`);
      if (operation.readOnly) {
        this.checkReadOnly(entity, operation, context, before as string);
        return { ok: true, value: plain, produced: [] };
      }
      if (context.deleted) this.resetToFresh(entity);
      else entity.exists = true;
      sendRollUp(context, entity, before);
      scheduleWindowDeletion(context, entity, existedBefore);
      scheduleFirstIdleCheck(context, entity, existedBefore, this.options.now);
      return { ok: true, value: plain, produced: context.produced };
    } catch (error) {
      return { ok: false, error };
    } finally {
      context.active = false;
    }
  }

  /** Refuses a read-only operation that changed anything; the caller rolls the entity back. */
  private checkReadOnly(entity: LiveEntity, operation: OperationDefinition, context: OperationContext, stateBefore: string): void {
    const refuse = (violation: string) => new ReadOnlyOperationError(entity.definition.name, operation.name, violation);
    if (context.deleted) throw refuse('deleted the entity');
    if (context.produced.length > 0) throw refuse(`sent ${context.produced.length} message(s) (signals or orchestration starts)`);
    if (this.serialize(entity) !== stateBefore) throw refuse('changed the state');
  }

  private serialize(entity: LiveEntity): string {
    const json = entity.definition.plainState ? JSON.stringify(entity.instance) : toJson(entity.instance, 'state');
    const limit = this.options.maxStateBytes;
    if (limit !== undefined && json.length > limit / 3) {
      const bytes = Buffer.byteLength(json);
      if (bytes > limit) {
        throw new SerializationError(
          `The state of ${entity.definition.name}/${entity.id.key} would be ${bytes} bytes of JSON; the engine stores at most ${limit}. ` +
            `Keep large data elsewhere and store a reference, or split the entity.`,
          'state',
        );
      }
    }
    return json;
  }

  private restore(entity: LiveEntity, checkpoint: Checkpoint): void {
    const instance = this.options.createInstance(entity.definition.ctor);
    if (checkpoint.exists && checkpoint.stateJson !== undefined) {
      const plain: unknown = JSON.parse(checkpoint.stateJson);
      if (entity.definition.plainState) Object.assign(instance, plain);
      else assignPlain(instance, plain);
    }
    entity.instance = instance;
    entity.exists = checkpoint.exists;
  }

  private resetToFresh(entity: LiveEntity): void {
    this.restore(entity, { exists: false, stateJson: undefined });
  }

  private record(
    message: OperationMessage,
    result: RunResult,
    outcome: BatchOutcome,
    stamp?: (m: OperationMessage) => OperationMessage,
    traceParent?: string,
  ): void {
    const keep = (m: OperationMessage): void => {
      if (traceParent !== undefined) m.trace ??= traceParent;
      outcome.produced.push(stamp ? stamp(m) : m);
    };
    if (result.ok) {
      outcome.applied++;
      for (const produced of result.produced) keep(produced);
      if (message.kind === 'call') outcome.replies.push({ id: message.id, ok: true, value: result.value });
      if (message.replyVia) keep(replyMessage(message, { id: message.id, ok: true, value: result.value }));
      return;
    }
    outcome.failed++;
    if (message.replyVia) keep(replyMessage(message, { id: message.id, ok: false, error: toRemoteError(result.error) }));
    if (message.kind === 'call') {
      outcome.replies.push({ id: message.id, ok: false, error: toRemoteError(result.error) });
    } else {
      this.options.logger.warn(
        { entity: message.target.name, key: message.target.key, operation: message.operation, err: result.error },
        'signalled operation failed; its changes were rolled back',
      );
    }
  }

  private failAll(group: readonly OperationMessage[], outcome: BatchOutcome, error: unknown, why: string): void {
    const target = group[0]!.target;
    this.options.logger.error({ entity: target.name, key: target.key, err: error }, `dropping ${group.length} operation(s): ${why}`);
    for (const message of group) this.record(message, { ok: false, error }, outcome);
  }
}

export { toRemoteError };

/** True when `message` runs a read-only operation of `definition`, the entity it targets. */
function isReadOnlyOn(definition: EntityDefinition, message: OperationMessage): boolean {
  return definition.operations.get(message.operation)?.readOnly === true;
}

/** A deletion or idle check an entity schedules for itself. */
function isScheduledHousekeeping(message: OperationMessage): boolean {
  return message.scheduledTime !== undefined && (message.operation === DELETE_OPERATION || message.operation === IDLE_CHECK_OPERATION);
}

/** The `traceparent` of each message's operation span, for the messages it sends (the map is made on first use). */
class TraceParents {
  private map: Map<OperationMessage, string> | undefined;

  set(message: OperationMessage, traceParent: string): void {
    (this.map ??= new Map()).set(message, traceParent);
  }

  get(message: OperationMessage): string | undefined {
    return this.map?.get(message);
  }
}
