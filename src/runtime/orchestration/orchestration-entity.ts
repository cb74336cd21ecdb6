import type { LRUCache } from 'lru-cache';
import { entryBoundedCache } from '../entry-bounded-cache';
import type { Logger } from 'pino';
import {
  InvalidOptionsError,
  OrchestrationAlreadyExistsError,
  OrchestrationNotFailedError,
  OrchestrationNotFoundError,
  OrchestrationNotRunningError,
  OrchestrationStillRunningError,
} from '../../errors';
import type { Constructor, EntityDefinition, OperationDefinition } from '../../registry/entity-definition';
import type { EntityId } from '../../registry/entity-id';
import type { Registry } from '../../registry/registry';
import type { Clock } from '../clock';
import { entityContext } from '../entity-context';
import { toRemoteError } from '../entity-executor';
import { OperationContext } from '../operation-context';
import type { HistoryEvent } from './history-events';
import type { LiveOrchestration } from './live-orchestration';
import { actionMessages, unlockMessages } from './action-messages';
import { runTurnChain, type TurnChain } from './continue-as-new-chain';
import { actionFor } from './orchestration-actions';
import { OrchestrationExecutor } from './orchestration-executor';
import { deterministicUuid } from './orchestration-ids';
import { isTerminalStatus, OrchestrationRuntimeStatus } from './orchestration-status';
import type { OrchestrationTurn } from './orchestration-turn';
import { planRewind } from './rewind';
import {
  deliverMessage,
  InstanceOperation,
  ORCHESTRATION_TARGET,
  type ControlInput,
  type DeliverInput,
  type EntityReplyInput,
  type RaiseInput,
  type StartInput,
  type StoredInstance,
} from './orchestration-target';

/** Dependencies of the {@link OrchestrationEntity}. */
export interface OrchestrationEntityOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Creates orchestrator instances (the dependency-injection hook). */
  readonly createInstance?: (ctor: Constructor) => object;
  /** Most live instances kept in memory. */
  readonly cacheCapacity: number;
}

/** The built-in entity's state while an operation runs on it (absent fields: no instance). */
type InstanceRecord = { -readonly [K in keyof StoredInstance]?: StoredInstance[K] } & { history?: HistoryEvent[] };

/**
 * Runs orchestration instances as a built-in entity ({@link ORCHESTRATION_TARGET}, keyed by
 * instance id), so the partition workers of any engine process them: one operation at a
 * time per instance, state committed atomically with the messages the turn produced.
 *
 * Each operation takes the instance's {@link LiveOrchestration} from an in-memory cache
 * (valid only while its history matches the committed one; otherwise it is restored from
 * the stored history), advances it with the arrived events at the clock's time, appends
 * the new history, updates the status fields and turns the actions into messages: activity
 * tasks, scheduled timer messages, starts and outcomes for other instances, entity signals.
 */
export class OrchestrationEntity {
  /** The built-in entity definition to register. */
  readonly definition: EntityDefinition;
  private executor: OrchestrationExecutor | undefined;
  private readonly live: LRUCache<string, LiveOrchestration>;

  constructor(private readonly options: OrchestrationEntityOptions) {
    this.live = entryBoundedCache(options.cacheCapacity);
    this.definition = this.define();
  }

  /** Connects the orchestration entity to the app's registry (which contains its definition). */
  bind(registry: Registry): void {
    this.executor = new OrchestrationExecutor({
      registry,
      logger: this.options.logger,
      ...(this.options.createInstance ? { createInstance: this.options.createInstance } : {}),
    });
  }

  /** True for the built-in entity's class, which the runtime creates itself. */
  owns(ctor: Constructor): boolean {
    return ctor === this.definition.ctor;
  }

  private define(): EntityDefinition {
    const runtime = this;
    class OrchestrationInstance {
      start(input: StartInput): Promise<void> {
        return runtime.start(this as InstanceRecord, input);
      }
      deliver(input: DeliverInput): Promise<void> {
        return runtime.deliver(this as InstanceRecord, input);
      }
      raiseEvent(input: RaiseInput): Promise<void> {
        return runtime.raiseEvent(this as InstanceRecord, input);
      }
      terminate(input: ControlInput | undefined): Promise<void> {
        return runtime.control(this as InstanceRecord, 'terminate', input?.reason);
      }
      suspend(input: ControlInput | undefined): Promise<void> {
        return runtime.control(this as InstanceRecord, 'suspend', input?.reason);
      }
      resume(input: ControlInput | undefined): Promise<void> {
        return runtime.control(this as InstanceRecord, 'resume', input?.reason);
      }
      async purge(): Promise<number> {
        return runtime.purge(this as InstanceRecord);
      }
      entityResponse(input: EntityReplyInput): Promise<void> {
        return runtime.entityResponse(this as InstanceRecord, input);
      }
      restart(input: StartInput): Promise<void> {
        return runtime.restart(this as InstanceRecord, input);
      }
      rewind(input: ControlInput | undefined): Promise<void> {
        return runtime.rewind(this as InstanceRecord, input?.reason);
      }
    }
    const operations = new Map<string, OperationDefinition>(
      Object.values(InstanceOperation).map((name) => [name, Object.freeze({ name, methodName: name, isAsync: true })]),
    );
    return Object.freeze({
      name: ORCHESTRATION_TARGET,
      ctor: OrchestrationInstance as Constructor,
      operations,
      operationsByMethod: new Map([...operations.keys()].map((name) => [name, name])),
      // History and status are plain JSON: class-transformer would only cost time on every turn.
      plainState: true,
    });
  }

  private async start(record: InstanceRecord, { started }: StartInput): Promise<void> {
    const context = currentOperation();
    const instanceId = context.entityId.key;
    // A redelivered start of the execution that already began changes nothing.
    if (record.executionId === started.executionId) return;
    if (record.runtimeStatus !== undefined && !isTerminalStatus(record.runtimeStatus)) {
      const refused = new OrchestrationAlreadyExistsError(instanceId);
      const parent = started.parent;
      if (!parent) throw refused;
      context.emit(
        deliverMessage(`${started.executionId}>refused`, parent.instanceId, [
          { kind: 'SubOrchestrationFailed', seq: parent.seq, executionId: parent.executionId, error: toRemoteError(refused) },
        ]),
      );
      return;
    }
    this.live.delete(instanceId);
    const now = this.options.clock.now();
    for (const key of Object.keys(record)) delete (record as Record<string, unknown>)[key];
    Object.assign(record, {
      name: started.name,
      instanceId,
      runtimeStatus: OrchestrationRuntimeStatus.Pending,
      executionId: started.executionId,
      ...(started.input === undefined ? {} : { input: started.input }),
      createdTime: now,
      lastUpdatedTime: now,
      ...(started.parent ? { parent: started.parent } : {}),
      history: [],
    });
    await this.runTurn(record, [started], context);
  }

  private async deliver(record: InstanceRecord, { events, locked }: DeliverInput): Promise<void> {
    const context = currentOperation();
    if (record.runtimeStatus === undefined) {
      // Late answers for a purged (or never started) instance: keep it absent.
      this.options.logger.debug({ instanceId: context.entityId.key, events: events.length }, 'events for an unknown orchestration instance dropped');
      if (locked) this.unlock(context, locked, events);
      context.deleteState();
      return;
    }
    const turn = await this.runTurn(record, events, context);
    // A grant nobody waits for any more (the instance ended while its locks were taken, and
    // its release may have reached some entities before their lock): free them all again.
    if (locked && turn.dropped.some(({ event }) => event.kind === 'LockGranted')) this.unlock(context, locked, events);
  }

  private unlock(context: OperationContext, entities: readonly EntityId[], events: readonly HistoryEvent[]): void {
    const step = events.map((e) => ('seq' in e ? e.seq : '')).join(',');
    for (const message of unlockMessages(context.entityId.key, entities, `${context.message.id}>late-unlock>${step}`)) context.emit(message);
  }

  private async entityResponse(record: InstanceRecord, { context: call, reply }: EntityReplyInput): Promise<void> {
    const event: HistoryEvent = reply.ok
      ? { kind: 'EntityResponse', seq: call.seq, executionId: call.executionId, ...(reply.value === undefined ? {} : { result: reply.value }) }
      : { kind: 'EntityResponse', seq: call.seq, executionId: call.executionId, error: reply.error };
    await this.deliver(record, { events: [event] });
  }

  private async raiseEvent(record: InstanceRecord, { name, data }: RaiseInput): Promise<void> {
    const context = currentOperation();
    const instanceId = context.entityId.key;
    if (record.runtimeStatus === undefined)
      throw new OrchestrationNotFoundError(instanceId, `Cannot raise event '${name}': no orchestration instance '${instanceId}' exists.`);
    if (isTerminalStatus(record.runtimeStatus)) {
      throw new OrchestrationNotRunningError(
        instanceId,
        `Cannot raise event '${name}': orchestration instance '${instanceId}' is ${record.runtimeStatus} and takes no more events.`,
      );
    }
    await this.runTurn(record, [{ kind: 'EventRaised', name, ...(data === undefined ? {} : { input: data }) }], context);
  }

  private async control(record: InstanceRecord, what: 'terminate' | 'suspend' | 'resume', reason: string | undefined): Promise<void> {
    const context = currentOperation();
    const instanceId = context.entityId.key;
    if (record.runtimeStatus === undefined)
      throw new OrchestrationNotFoundError(instanceId, `Cannot ${what}: no orchestration instance '${instanceId}' exists.`);
    if (isTerminalStatus(record.runtimeStatus)) {
      if (what === 'terminate') return; // terminating an ended instance changes nothing
      throw new OrchestrationNotRunningError(instanceId, `Cannot ${what}: orchestration instance '${instanceId}' is ${record.runtimeStatus}.`);
    }
    const why = reason === undefined ? {} : { reason };
    const event: HistoryEvent =
      what === 'terminate'
        ? { kind: 'ExecutionTerminated', ...why }
        : what === 'suspend'
          ? { kind: 'ExecutionSuspended', ...why }
          : { kind: 'ExecutionResumed', ...why };
    await this.runTurn(record, [event], context);
  }

  private purge(record: InstanceRecord): number {
    const context = currentOperation();
    const instanceId = context.entityId.key;
    const status = record.runtimeStatus;
    // A running instance may hold entity locks and have a parent waiting for it: deleting it would strand both.
    if (status !== undefined && !isTerminalStatus(status)) throw new OrchestrationStillRunningError(instanceId, status);
    const existed = status !== undefined;
    this.live.delete(instanceId);
    context.deleteState();
    return existed ? 1 : 0;
  }

  private async restart(record: InstanceRecord, input: StartInput): Promise<void> {
    const instanceId = currentOperation().entityId.key;
    const status = record.runtimeStatus;
    if (status === undefined) throw new OrchestrationNotFoundError(instanceId, `Cannot restart: no orchestration instance '${instanceId}' exists.`);
    if (!isTerminalStatus(status)) {
      throw new OrchestrationStillRunningError(
        instanceId,
        status,
        `Orchestration instance '${instanceId}' is ${status}: only ended instances can be restarted. Terminate it first (terminate(id, reason)) or wait for it to end.`,
      );
    }
    await this.start(record, input);
  }

  private async rewind(record: InstanceRecord, reason: string | undefined): Promise<void> {
    const context = currentOperation();
    const instanceId = context.entityId.key;
    const status = record.runtimeStatus;
    if (status === undefined) throw new OrchestrationNotFoundError(instanceId, `Cannot rewind: no orchestration instance '${instanceId}' exists.`);
    if (!isTerminalStatus(status)) {
      throw new OrchestrationStillRunningError(
        instanceId,
        status,
        `Orchestration instance '${instanceId}' is ${status}: only Failed instances can be rewound.`,
      );
    }
    if (status !== OrchestrationRuntimeStatus.Failed) throw new OrchestrationNotFailedError(instanceId, status);
    const plan = await planRewind(this.bound(), instanceId, record.history ?? []);
    if ('problem' in plan) throw new InvalidOptionsError(`Cannot rewind orchestration instance '${instanceId}': ${plan.problem}.`);
    const started = plan.live.state.started!;
    this.live.delete(instanceId);
    record.history = [...plan.history];
    record.runtimeStatus = plan.live.status;
    record.lastUpdatedTime = this.options.clock.now();
    delete record.failure;
    delete record.output;
    // New message ids: the first attempt's ids may still be in a duplicate window.
    const retryId = `${context.message.id}>rewind`;
    for (const command of plan.retried) {
      let action = actionFor({ instanceId, started }, command);
      if (action.kind === 'startSubOrchestration') {
        action = { ...action, started: { ...action.started, executionId: deterministicUuid(`${retryId}/sub/${command.seq}`) } };
      }
      for (const message of actionMessages(action, (step) => `${retryId}#${step}`)) context.emit(message);
    }
    this.options.logger.info({ instanceId, reason, retried: plan.retried.length }, 'orchestration instance rewound');
    this.remember(instanceId, plan.live);
  }

  private bound(): OrchestrationExecutor {
    if (!this.executor) throw new Error('internal: the orchestration entity is not bound to a registry');
    return this.executor;
  }

  /** One turn (or more, through `continueAsNew`): advance, append, update the status, send what it asks for. Returns the first turn. */
  private async runTurn(record: InstanceRecord, events: readonly HistoryEvent[], context: OperationContext): Promise<OrchestrationTurn> {
    const executor = this.bound();
    const instanceId = context.entityId.key;
    const now = this.options.clock.now();
    const history = (record.history ??= []);
    const live = this.cached(instanceId, record) ?? (await executor.restore(instanceId, history));
    // A turn that throws may leave the live instance part-way; one whose commit fails leaves
    // it ahead of the committed history, which `cached` detects by the history's length. Not
    // deleted up front: lru-cache clears all its slots (cacheCapacity of them) when its last
    // entry is deleted, which a cache holding one instance would do on every turn.
    let chain: TurnChain;
    try {
      chain = await runTurnChain(executor, live, events, now);
    } catch (error) {
      this.live.delete(instanceId);
      throw error;
    }
    for (const { event, reason } of chain.dropped) this.options.logger.debug({ instanceId, event: event.kind, reason }, 'orchestration event dropped');
    if (chain.restarted) {
      record.history = [...chain.history];
      record.executionId = chain.restarted.executionId;
      if (chain.restarted.input === undefined) delete record.input;
      else record.input = chain.restarted.input;
    } else {
      history.push(...chain.history);
    }
    const yielded = chain.continuation !== undefined;
    if (chain.changed) {
      const turn = chain.last;
      record.runtimeStatus = yielded ? OrchestrationRuntimeStatus.Running : visibleStatus(turn.status, record.runtimeStatus);
      record.lastUpdatedTime = now;
      if (turn.output === undefined || yielded) delete record.output;
      else record.output = turn.output;
      if (turn.failure && !yielded) record.failure = turn.failure;
      else delete record.failure;
      if (turn.customStatus === undefined) delete record.customStatus;
      else record.customStatus = turn.customStatus;
    }
    this.remember(instanceId, chain.live);
    for (const action of chain.actions) for (const message of actionMessages(action)) context.emit(message);
    if (chain.continuation) context.emit(chain.continuation);
    return chain.first;
  }

  /** The cached live instance, if it is exactly at the committed history. */
  private cached(instanceId: string, record: InstanceRecord): LiveOrchestration | undefined {
    const live = this.live.get(instanceId);
    if (!live) return undefined;
    if (live.history.length === record.history!.length && live.state.started?.executionId === record.executionId) return live;
    this.live.delete(instanceId);
    return undefined;
  }

  private remember(instanceId: string, live: LiveOrchestration): void {
    if (live.state.isTerminal) this.live.delete(instanceId);
    else this.live.set(instanceId, live);
  }
}

/**
 * The status stored for a turn. An execution that follows a `continueAsNew` is Pending until
 * its start arrives (an event can get there first), but the instance has been running all
 * along, so it shows Running.
 */
function visibleStatus(turnStatus: OrchestrationRuntimeStatus, stored: OrchestrationRuntimeStatus | undefined): OrchestrationRuntimeStatus {
  const started = stored !== undefined && stored !== OrchestrationRuntimeStatus.Pending;
  return turnStatus === OrchestrationRuntimeStatus.Pending && started ? OrchestrationRuntimeStatus.Running : turnStatus;
}

function currentOperation(): OperationContext {
  const context = entityContext();
  if (!(context instanceof OperationContext)) throw new Error('internal: an orchestration operation ran without its operation context');
  return context;
}
