import type { LogFn } from 'pino';
import type { Constructor } from '../../registry/entity-definition';
import type { EntityId } from '../../registry/entity-id';
import type { OperationArgs, OperationNames, OperationResult } from '../operation-proxy';
import type { CallHttpOptions, DurableHttpRequest, DurableHttpResponse } from './durable-http-types';
import type { RetryOptions } from './retry-policy';

/**
 * A durable task: the eventual result of a durable call (an activity, a timer, an
 * external event, a sub-orchestration, an entity call, a lock). Await it, or combine tasks
 * with {@link OrchestrationContext.all} and {@link OrchestrationContext.any}. A task is
 * settled only by the orchestration's history, so awaiting it is replay-safe.
 */
export interface Task<T> extends PromiseLike<T> {
  /** True once the task has a result or an error. */
  readonly isCompleted: boolean;
  /** True when the task failed. */
  readonly isFaulted: boolean;
  /** The result, once completed successfully. */
  readonly result: T | undefined;
  /** The error, once failed. */
  readonly error: Error | undefined;
}

/** A task that can be canceled while it is pending: it then never completes. */
export interface CancellableTask<T> extends Task<T> {
  /** True after {@link CancellableTask.cancel} was called on the pending task. */
  readonly isCanceled: boolean;
  /** Stops waiting: the task never completes. Does nothing once it has completed. */
  cancel(): void;
}

/** A durable timer, from {@link OrchestrationContext.createTimer}. */
export type TimerTask = CancellableTask<void>;

/**
 * The task that completed first, as `await ctx.any(...)` gives it back: the task object
 * itself, to compare with `===` and read `result` from. Its type leaves out `then` only
 * so that TypeScript does not unwrap it to its result, as it does for an awaited task.
 */
export type TaskWinner<T> = T extends unknown ? Omit<T, 'then'> : never;

/** The result type of a task. */
export type TaskResult<T> = T extends PromiseLike<infer R> ? R : never;

/** Methods of `T` as durable calls returning tasks (typed activity proxies and entity calls). */
export type TaskProxy<T> = {
  readonly [K in OperationNames<T>]: (...args: OperationArgs<T, K>) => Task<OperationResult<T, K>>;
};

/** Methods of `T` as one-way entity signals from an orchestration. */
export type SignalSender<T> = {
  readonly [K in OperationNames<T>]: (...args: OperationArgs<T, K>) => void;
};

/** An entity as seen from an orchestration: `ctx.entity(Account, 'alice')`. */
export interface OrchestrationEntityHandle<T> {
  readonly id: EntityId;
  /** Request/response operations: each returns a task of the operation's result. */
  readonly call: TaskProxy<T>;
  /** One-way operations: recorded and sent when the turn commits. */
  readonly signal: SignalSender<T>;
  /**
   * One-way operations applied at (not before) `time`: `ctx.entity(Reminder, id).signalAt(due).fire()`.
   * Compute `time` from `ctx.currentUtcDateTime` so replays send the same signal.
   */
  signalAt(time: Date): SignalSender<T>;
}

/** The instance type of an orchestrator class. */
export interface OrchestratorInstance<I = any, O = unknown> {
  run(ctx: OrchestrationContext, input: I): Promise<O> | O;
}

/** An orchestrator class. */
export type OrchestratorClass<I = any, O = unknown> = Constructor<OrchestratorInstance<I, O>>;

/** The input type of an orchestrator class's `run`. */
export type OrchestratorInput<C> =
  C extends Constructor<{ run(ctx: OrchestrationContext, ...rest: infer A): unknown }> ? (A extends [] ? undefined : A[0]) : never;

/** The output type of an orchestrator class's `run`. */
export type OrchestratorOutput<C> = C extends Constructor<{ run(...args: any[]): infer R }> ? Awaited<R> : never;

/** Options of {@link OrchestrationContext.callActivity}. */
export interface CallActivityOptions {
  /** Retry failed attempts, with durable timers in between. */
  retry?: RetryOptions;
  /**
   * Milliseconds each attempt may run. When it runs longer, the attempt fails with a
   * `TimeoutError` (and the retry policy decides what follows) and the activity's
   * `activityContext().signal` is aborted. Default: no limit.
   */
  startToCloseTimeout?: number;
  /**
   * Milliseconds an attempt may go without calling `activityContext().heartbeat()` (counted
   * from its start, then from each heartbeat). When it is silent longer, the attempt fails
   * with a `TimeoutError` and its signal is aborted, as for `startToCloseTimeout`. Default: none.
   */
  heartbeatTimeout?: number;
}

/** Options of {@link OrchestrationContext.callSubOrchestrator}. */
export interface SubOrchestratorOptions {
  /** The sub-orchestration's instance id. Defaults to `<this instance id>:<step>`. */
  instanceId?: string;
  /** Retry failed attempts, with durable timers in between. */
  retry?: RetryOptions;
}

/** Options of {@link OrchestrationContext.continueAsNew}. */
export interface ContinueAsNewOptions {
  /** Hand external events that were raised but not yet consumed to the new execution. False by default. */
  preserveUnprocessedEvents?: boolean;
}

/** Options of {@link OrchestrationContext.waitForExternalEvent}. */
export interface WaitForEventOptions {
  /**
   * Milliseconds (of orchestration time, on a durable timer) after which the wait fails with
   * a `TimeoutError` if no event of that name has arrived. Default: wait forever.
   */
  timeout?: number;
}

/** Options of {@link OrchestrationContext.signalEntity}. */
export interface EntitySignalOptions {
  /** Apply the operation at (not before) this time. */
  scheduledTime?: Date;
}

/** An entity id, or anything that has one (such as `ctx.entity(Account, 'alice')`). */
export type LockTarget = EntityId | { readonly id: EntityId };

/** A logger that writes nothing while the orchestration replays, so each line appears once. */
export interface ReplaySafeLogger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger with more bound fields, also silent during replay. */
  child(bindings: Record<string, unknown>): ReplaySafeLogger;
}

/**
 * What an orchestrator's `run` receives. Orchestrator code is replayed from history many
 * times, so it must be deterministic: take time from {@link currentUtcDateTime}, ids from
 * {@link newGuid}, and do every I/O in an activity. Await only tasks from this context.
 *
 * @example
 * ```ts
 * @Orchestrator()
 * class Approval {
 *   async run(ctx: OrchestrationContext, request: Request): Promise<string> {
 *     await ctx.callActivity('Mailer.askForApproval', request);
 *     const approved = ctx.waitForExternalEvent<boolean>('Approved');
 *     const timeout = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 72 * 3600_000));
 *     const winner = await ctx.any([approved, timeout]);
 *     if (winner === approved) { timeout.cancel(); return approved.result ? 'approved' : 'rejected'; }
 *     await ctx.callActivity('Mailer.escalate', request);
 *     return 'escalated';
 *   }
 * }
 * ```
 */
export interface OrchestrationContext {
  /** This instance's id. */
  readonly instanceId: string;
  /** The id of the orchestration that started this one as a sub-orchestration, if any. */
  readonly parentInstanceId: string | undefined;
  /** The orchestrator's registered name. */
  readonly name: string;
  /** True while the code re-runs against recorded history; false once it handles new events. */
  readonly isReplaying: boolean;
  /** The time of the current turn, recorded in history: the same value on every replay. */
  readonly currentUtcDateTime: Date;
  /** A logger silent during replay. */
  readonly logger: ReplaySafeLogger;

  /** A UUID that is the same on every replay of this step. */
  newGuid(): string;

  /**
   * Schedules an activity by name. The input must be JSON-serializable. The task fails
   * with an `ActivityFailedError` (carrying the remote error's name and message) when the
   * activity throws on its last attempt.
   */
  callActivity<R = unknown>(name: string, input?: unknown, options?: CallActivityOptions): Task<R>;

  /**
   * Makes an HTTP request as a built-in activity (at least once, like any activity) and
   * completes with the response, whatever its status. With the asynchronous pattern (on by
   * default), a `202 Accepted` with a `Location` header is followed: the orchestration waits
   * on a durable timer for the response's `Retry-After` (or `pollingInterval`), then `GET`s
   * the location, until the answer is something else. Fails with an `HttpCallFailedError`
   * when a request gets no response (after the retry policy, if any); bad input is an
   * `InvalidOptionsError` at the call. The request and every response go into the history.
   *
   * @example
   * ```ts
   * const response = await ctx.callHttp({
   *   method: 'POST',
   *   url: 'https://reports.example.com/jobs',
   *   headers: { 'content-type': 'application/json' },
   *   body: JSON.stringify({ month: '2026-11' }),
   * });
   * if (response.statusCode !== 200) throw new Error(`report failed: ${response.content}`);
   * ```
   */
  callHttp(request: DurableHttpRequest, options?: CallHttpOptions): Task<DurableHttpResponse>;

  /**
   * A typed proxy on a class of activities: `ctx.activities(Greeter).sayHello('Tokyo')`
   * schedules `Greeter.sayHello` (or its `@Activity` name) and returns a task of its result.
   */
  activities<T extends object>(cls: Constructor<T>, options?: CallActivityOptions): TaskProxy<T>;

  /**
   * Starts a sub-orchestration and returns a task of its output. It fails with a
   * `SubOrchestrationFailedError` when the sub-orchestration fails or is terminated.
   */
  callSubOrchestrator<C extends OrchestratorClass>(
    orchestrator: C,
    input?: OrchestratorInput<C>,
    options?: SubOrchestratorOptions,
  ): Task<OrchestratorOutput<C>>;
  callSubOrchestrator<R = unknown>(name: string, input?: unknown, options?: SubOrchestratorOptions): Task<R>;

  /** A durable timer that completes at (not before) `fireAt`. Cancel it when it is no longer needed. */
  createTimer(fireAt: Date): TimerTask;

  /**
   * Waits for an event raised to this instance by name. Events raised before anybody waits
   * are kept; each event completes the oldest pending (not canceled) wait of its name. With
   * `{ timeout }` the task fails with a `TimeoutError` when no event came in that time (a
   * durable timer, canceled when the event wins).
   *
   * @example
   * ```ts
   * try {
   *   const approval = await ctx.waitForExternalEvent<boolean>('Approved', { timeout: 72 * 3600_000 });
   * } catch (error) {
   *   if (error instanceof TimeoutError) await ctx.callActivity('Mailer.escalate', request);
   * }
   * ```
   */
  waitForExternalEvent<T = unknown>(name: string, options?: WaitForEventOptions): CancellableTask<T>;

  /**
   * Raises external event `name` with `data` on another instance when this turn commits, as
   * `client.raiseEvent` does. An instance that does not exist or has ended drops it.
   */
  sendEvent(instanceId: string, name: string, data?: unknown): void;

  /** Completes with all results, in order, when all tasks have completed; fails with the first failure. */
  all<const T extends readonly Task<unknown>[]>(tasks: T): Task<{ -readonly [K in keyof T]: TaskResult<T[K]> }>;

  /**
   * Completes with the task that completed first (in history order), whether it succeeded
   * or failed: `const winner = await ctx.any([approval, timeout]); if (winner === approval) ...`.
   */
  any<T extends Task<unknown>>(tasks: readonly T[]): Task<TaskWinner<T>>;

  /** A typed handle on an entity: `ctx.entity(Counter, 'visits').call.add(1)`. */
  entity<T extends object>(cls: Constructor<T>, key: string): OrchestrationEntityHandle<T>;

  /** Calls an entity operation by name; fails with an `OperationFailedError` when the operation throws. */
  callEntity<R = unknown>(id: EntityId, operation: string, input?: unknown): Task<R>;

  /** Sends a one-way operation to an entity, when this turn commits. */
  signalEntity(id: EntityId, operation: string, input?: unknown, options?: EntitySignalOptions): void;

  /**
   * Runs `section` while holding the locks of all `entities`. The locks are acquired in a
   * fixed (sorted) order, so sections never deadlock, and released when the section ends
   * or the instance ends. Inside, the orchestration may call only the locked entities and
   * signal only others; sections do not nest and start no sub-orchestrations.
   *
   * @example
   * ```ts
   * await ctx.lock([from.id, to.id], async () => {
   *   const balance = await from.call.balance();
   *   if (balance >= amount) { await from.call.withdraw(amount); await to.call.deposit(amount); }
   * });
   * ```
   */
  lock<R>(entities: readonly LockTarget[], section: () => Promise<R> | R): Task<R>;

  /**
   * Restarts this instance with a fresh history and `input` once `run` returns (its return
   * value is then ignored). Keeps eternal orchestrations' histories short.
   */
  continueAsNew(input?: unknown, options?: ContinueAsNewOptions): void;

  /**
   * Versioning: true when this execution runs the code after change `patchId`, false when it
   * replays a history recorded by the code before it. An instance that started under the old
   * code keeps the old branch where its history was made by it, so instances in flight
   * survive a deploy. Once no instance can replay the old branch, replace the call with
   * {@link deprecatePatch}; once none has a history without the marker, remove that too.
   *
   * @example
   * ```ts
   * const receipt = await payments.charge(order);
   * if (ctx.patched('send-invoice')) await mail.sendInvoice(receipt);  // added in v2
   * await shipping.ship(order);
   * ```
   */
  patched(patchId: string): boolean;

  /**
   * Marks change `patchId` as the only branch left: records the marker (so histories made by
   * this code replay with the previous code, which still calls {@link patched}) and never
   * branches.
   */
  deprecatePatch(patchId: string): void;

  /** Sets the instance's custom status (JSON-serializable), visible in its status. */
  setCustomStatus(value: unknown): void;
}
