import type { Logger } from 'pino';
import { ActivityFailedError, InvalidOptionsError, TimeoutError } from '../../errors';
import type { Constructor } from '../../registry/entity-definition';
import { assertValidKey, entityIdToString, type EntityId } from '../../registry/entity-id';
import { createOperationProxy } from '../operation-proxy';
import { toPlain } from '../value-codec';
import type { CallChecks } from './call-checks';
import { CriticalSection, lockOrder } from './critical-section';
import { DurableCalls } from './durable-calls';
import { HTTP_ACTIVITY, callHttp, checkHttpOptions, checkHttpRequest } from './durable-http';
import type { CallHttpOptions, DurableHttpRequest, DurableHttpResponse } from './durable-http-types';
import { CancellableDurableTask, DurableTask, whenAll, whenAny } from './durable-task';
import type { ExecutionStartedEvent, LockRequestedEvent, ResponseEvent } from './history-events';
import type { LiveOrchestration, TurnContext } from './live-orchestration';
import type {
  CallActivityOptions,
  CancellableTask,
  ContinueAsNewOptions,
  EntitySignalOptions,
  LockTarget,
  OrchestrationContext,
  OrchestrationEntityHandle,
  ReplaySafeLogger,
  SignalSender,
  SubOrchestratorOptions,
  Task,
  TaskProxy,
  TaskResult,
  TaskWinner,
  TimerTask,
  WaitForEventOptions,
} from './orchestration-context';
import { assertValidInstanceId, guidAt } from './orchestration-ids';
import { replaySafeLogger } from './replay-safe-logger';
import { withRetry } from './retrying-task';

/** What the context needs besides its instance. */
export interface ContextDependencies {
  readonly checks: CallChecks;
  readonly logger: Logger;
}

/**
 * The machinery behind {@link OrchestrationContext}: validates each call and converts its
 * input before the call takes a step (so a refused call changes nothing), then hands it
 * to {@link DurableCalls}. Retries, critical sections and external events are built here
 * on top of those calls.
 */
export class OrchestrationContextImpl implements OrchestrationContext, TurnContext {
  readonly logger: ReplaySafeLogger;
  private readonly calls: DurableCalls;
  private readonly section = new CriticalSection();

  constructor(
    private readonly live: LiveOrchestration,
    private readonly started: ExecutionStartedEvent,
    private readonly deps: ContextDependencies,
  ) {
    this.calls = new DurableCalls(live, started);
    const bindings = { orchestrator: started.name, instanceId: live.instanceId };
    this.logger = replaySafeLogger(deps.logger.child(bindings), () => live.replaying);
  }

  get instanceId(): string {
    return this.live.instanceId;
  }

  get parentInstanceId(): string | undefined {
    return this.started.parent?.instanceId;
  }

  get name(): string {
    return this.started.name;
  }

  get isReplaying(): boolean {
    return this.live.replaying;
  }

  get currentUtcDateTime(): Date {
    return new Date(this.live.currentTime);
  }

  newGuid(): string {
    this.assertInTurn('ctx.newGuid()');
    const step = this.live.ledger.takeUnrecorded('newGuid()');
    return guidAt(this.started.executionId, step ?? -1);
  }

  callActivity<R = unknown>(name: string, input?: unknown, options?: CallActivityOptions): Task<R> {
    this.assertInTurn(`ctx.callActivity('${name}')`);
    this.deps.checks.activityName(name);
    const timeouts = { startToCloseTimeoutMs: positiveMs(options, 'startToCloseTimeout'), heartbeatTimeoutMs: positiveMs(options, 'heartbeatTimeout') };
    const plain = toPlain(input, `input of activity '${name}'`);
    const attempt = (number = 1) => this.calls.activity(name, plain, number, timeouts);
    if (!options?.retry) return attempt() as Task<R>;
    return withRetry(
      options.retry,
      attempt,
      (fireAt) => this.calls.timer(fireAt),
      () => this.live.currentTime,
      (error, attempts) =>
        error instanceof ActivityFailedError ? new ActivityFailedError(name, error.remoteName, error.remoteMessage, error.remoteCode, attempts) : error,
    ) as Task<R>;
  }

  callHttp(request: DurableHttpRequest, options?: CallHttpOptions): Task<DurableHttpResponse> {
    const checked = checkHttpRequest(request);
    this.assertInTurn(`ctx.callHttp(${checked.method} ${checked.url})`);
    checkHttpOptions(options);
    const timeouts = { startToCloseTimeoutMs: options?.requestTimeout, heartbeatTimeoutMs: undefined };
    const timer = (fireAt: number) => this.calls.timer(fireAt);
    const now = () => this.live.currentTime;
    const send = (one: DurableHttpRequest): DurableTask<unknown> => {
      const attempt = (number = 1) => this.calls.activity(HTTP_ACTIVITY, one, number, timeouts);
      return options?.retry ? withRetry(options.retry, attempt, timer, now, (error) => error) : attempt();
    };
    return callHttp(checked, options, { request: send, timer, now });
  }

  activities<T extends object>(cls: Constructor<T>, options?: CallActivityOptions): TaskProxy<T> {
    const definition = this.deps.checks.activityClass(cls);
    return createOperationProxy<TaskProxy<T>>((method, args) => {
      const activity = definition.byMethod.get(method);
      if (!activity) {
        throw new InvalidOptionsError(`${cls.name}.${method} is not an activity. Mark the method with @Activity(), or call it outside the orchestration.`);
      }
      return this.callActivity(activity.name, args[0], options);
    });
  }

  callSubOrchestrator<R = unknown>(orchestrator: Function | string, input?: unknown, options?: SubOrchestratorOptions): Task<R> {
    const registry = this.deps.checks.registry;
    const name = typeof orchestrator === 'string' ? registry.orchestratorNamed(orchestrator).name : registry.orchestratorOf(orchestrator).name;
    this.assertInTurn(`ctx.callSubOrchestrator('${name}')`);
    this.section.checkSubOrchestration();
    if (options?.instanceId !== undefined) assertValidInstanceId(options.instanceId);
    const plain = toPlain(input, `input of sub-orchestration '${name}'`);
    const attempt = () => this.calls.subOrchestration(name, plain, options?.instanceId);
    if (!options?.retry) return attempt() as Task<R>;
    return withRetry(
      options.retry,
      attempt,
      (fireAt) => this.calls.timer(fireAt),
      () => this.live.currentTime,
      (error) => error,
    ) as Task<R>;
  }

  createTimer(fireAt: Date): TimerTask {
    this.assertInTurn('ctx.createTimer()');
    if (!(fireAt instanceof Date) || !Number.isFinite(fireAt.getTime())) {
      throw new InvalidOptionsError(`createTimer() needs a valid Date, got ${String(fireAt)}. Compute it from ctx.currentUtcDateTime.`);
    }
    return this.calls.timer(fireAt.getTime());
  }

  waitForExternalEvent<T = unknown>(name: string, options?: WaitForEventOptions): CancellableTask<T> {
    this.assertInTurn(`ctx.waitForExternalEvent('${name}')`);
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidOptionsError(`waitForExternalEvent() needs a non-empty event name, got ${String(name)}.`);
    }
    const timeoutMs = options?.timeout;
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0)) {
      throw new InvalidOptionsError(`waitForExternalEvent() timeout must be a non-negative number of milliseconds, got ${String(timeoutMs)}.`);
    }
    const wait: CancellableDurableTask<unknown> = new CancellableDurableTask(() => this.live.inbox.cancel(wait));
    if (this.live.ledger.takeUnrecorded(`waitForExternalEvent('${name}')`) !== undefined) this.live.inbox.wait(name, wait);
    if (timeoutMs === undefined || wait.isCompleted) return wait as CancellableTask<T>;
    return this.withTimeout(name, wait, timeoutMs) as CancellableTask<T>;
  }

  sendEvent(instanceId: string, name: string, data?: unknown): void {
    this.assertInTurn(`ctx.sendEvent('${String(instanceId)}', '${String(name)}')`);
    assertValidInstanceId(instanceId);
    if (typeof name !== 'string' || name.length === 0) throw new InvalidOptionsError(`sendEvent() needs a non-empty event name, got ${String(name)}.`);
    const plain = toPlain(data, `data of event '${name}'`);
    this.calls.eventSent(instanceId, name, plain);
  }

  all<const T extends readonly Task<unknown>[]>(tasks: T): Task<{ -readonly [K in keyof T]: TaskResult<T[K]> }> {
    return whenAll(tasks) as unknown as Task<{ -readonly [K in keyof T]: TaskResult<T[K]> }>;
  }

  any<T extends Task<unknown>>(tasks: readonly T[]): Task<TaskWinner<T>> {
    return whenAny(tasks);
  }

  entity<T extends object>(cls: Constructor<T>, key: string): OrchestrationEntityHandle<T> {
    const definition = this.deps.checks.registry.entityOf(cls);
    assertValidKey(definition.name, key);
    const id: EntityId = { name: definition.name, key };
    const operationOf = (method: string) => definition.operationsByMethod.get(method) ?? method;
    return {
      id,
      call: createOperationProxy<TaskProxy<T>>((method, args) => this.callEntity(id, operationOf(method), args[0])),
      signal: createOperationProxy<SignalSender<T>>((method, args) => this.signalEntity(id, operationOf(method), args[0])),
      signalAt: (time) => createOperationProxy<SignalSender<T>>((method, args) => this.signalEntity(id, operationOf(method), args[0], { scheduledTime: time })),
    };
  }

  callEntity<R = unknown>(id: EntityId, operation: string, input?: unknown): Task<R> {
    const target = this.deps.checks.entityCall(id, operation);
    this.assertInTurn(`ctx.callEntity(${entityIdToString(target)}.${operation})`);
    this.section.checkCall(target);
    const plain = toPlain(input, `input of ${entityIdToString(target)}.${operation}`);
    return this.calls.entityCall(target, operation, plain) as Task<R>;
  }

  signalEntity(id: EntityId, operation: string, input?: unknown, options?: EntitySignalOptions): void {
    const target = this.deps.checks.entityCall(id, operation);
    this.assertInTurn(`ctx.signalEntity(${entityIdToString(target)}.${operation})`);
    this.section.checkSignal(target);
    const scheduledTime = this.deps.checks.scheduledTime(options?.scheduledTime);
    const plain = toPlain(input, `input of ${entityIdToString(target)}.${operation}`);
    this.calls.entitySignal(target, operation, plain, scheduledTime);
  }

  lock<R>(targets: readonly LockTarget[], section: () => Promise<R> | R): Task<R> {
    this.assertInTurn('ctx.lock()');
    this.section.checkLock();
    const entities = lockOrder(targets);
    if (typeof section !== 'function')
      throw new InvalidOptionsError('ctx.lock() needs the critical section as a function: ctx.lock(ids, async () => { ... }).');
    const result = new DurableTask<R>();
    // The grant arrives in a later delivery, when `request` is set.
    const request = this.calls.lockRequest(entities, result as DurableTask<unknown>, () => this.runSection(request!, section, result));
    if (request) this.section.requested(request.seq, request.entities);
    return result;
  }

  continueAsNew(input?: unknown, options?: ContinueAsNewOptions): void {
    this.assertInTurn('ctx.continueAsNew()');
    const plain = toPlain(input, 'input of continueAsNew');
    this.live.requestContinueAsNew({ input: plain, preserveUnprocessedEvents: options?.preserveUnprocessedEvents ?? false });
  }

  patched(patchId: string): boolean {
    this.assertInTurn(`ctx.patched('${String(patchId)}')`);
    assertPatchId(patchId, 'patched');
    return this.live.ledger.patch(patchId);
  }

  deprecatePatch(patchId: string): void {
    this.assertInTurn(`ctx.deprecatePatch('${String(patchId)}')`);
    assertPatchId(patchId, 'deprecatePatch');
    if (!this.live.replaying) this.live.ledger.patch(patchId);
  }

  setCustomStatus(value: unknown): void {
    this.assertInTurn('ctx.setCustomStatus()');
    this.live.setCustomStatus(toPlain(value, 'custom status'));
  }

  /** Settles the call answered by `event`; false when the code made no call at that step. */
  receive(event: ResponseEvent): boolean {
    return this.calls.receive(event);
  }

  /** True while the code waits on something the history can still deliver. */
  hasPendingWork(): boolean {
    return this.live.inbox.waiting > 0 || this.calls.hasPending();
  }

  /** The instance ended: its locks are released by the executor, not by the section. */
  forgetLocks(): void {
    const step = this.section.step;
    if (step !== undefined) this.section.released(step);
  }

  private runSection<R>(request: LockRequestedEvent, section: () => Promise<R> | R, result: DurableTask<R>): void {
    this.section.granted(request.seq);
    let outcome: Promise<R>;
    try {
      outcome = Promise.resolve(section());
    } catch (error) {
      outcome = Promise.reject(error);
    }
    outcome.then(
      (value) => this.releaseAndSettle(request, () => result.resolve(value)),
      (error: unknown) => this.releaseAndSettle(request, () => result.reject(asError(error))),
    );
  }

  private releaseAndSettle(request: LockRequestedEvent, settle: () => void): void {
    if (this.section.released(request.seq)) {
      if (this.live.active) this.live.ledger.release({ kind: 'LocksReleased', seq: request.seq, entities: request.entities });
      else this.live.outsideTurn('the end of a critical section');
    }
    settle();
  }

  /** The wait raced against a durable timer: the first to settle decides, the other is canceled. */
  private withTimeout(name: string, wait: CancellableDurableTask<unknown>, timeoutMs: number): CancellableDurableTask<unknown> {
    const timer = this.calls.timer(this.live.currentTime + timeoutMs);
    const result: CancellableDurableTask<unknown> = new CancellableDurableTask(() => {
      wait.cancel();
      timer.cancel();
    });
    wait.onSettled(() => {
      timer.cancel();
      if (wait.isFaulted) result.reject(wait.error!);
      else result.resolve(wait.result);
    });
    timer.onSettled(() => {
      if (wait.isCompleted) return;
      wait.cancel();
      result.reject(new TimeoutError(`External event '${name}' did not arrive within ${timeoutMs} ms.`));
    });
    return result;
  }

  private assertInTurn(what: string): void {
    if (!this.live.active) throw this.live.outsideTurn(what);
  }
}

function positiveMs(options: CallActivityOptions | undefined, key: 'startToCloseTimeout' | 'heartbeatTimeout'): number | undefined {
  const value = options?.[key];
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
    throw new InvalidOptionsError(`${key} must be a positive number of milliseconds, got ${String(value)}.`);
  }
  return value;
}

function assertPatchId(patchId: unknown, method: string): asserts patchId is string {
  if (typeof patchId !== 'string' || patchId.length === 0) throw new InvalidOptionsError(`ctx.${method}() needs a non-empty patch id, got ${String(patchId)}.`);
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
