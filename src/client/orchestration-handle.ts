import type { Observable } from 'rxjs';
import type { FailureDetails, HistoryEvent } from '../runtime/orchestration/history-events';
import type { OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';

/** The status of an orchestration instance (the Durable Functions fields), from committed state. */
export interface OrchestrationStatus<I = unknown, O = unknown> {
  /** The orchestrator's registered name. */
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: OrchestrationRuntimeStatus;
  /** The plain input (absent unless asked for with `showInput`, where that option applies). */
  readonly input?: I;
  /** The plain output when Completed; the reason when Terminated. */
  readonly output?: O;
  readonly customStatus?: unknown;
  readonly createdTime: Date;
  readonly lastUpdatedTime: Date;
  /** Why the instance failed, when Failed. */
  readonly failureDetails?: FailureDetails;
  /** The instance that started this one as a sub-orchestration. */
  readonly parentInstanceId?: string;
  /** The current execution's history, with `showHistory`. */
  readonly history?: readonly HistoryEvent[];
}

/** Options of `getStatus`. */
export interface GetStatusOptions {
  /** Include the current execution's history. Default false. */
  showHistory?: boolean;
  /** Include the input. Default true. */
  showInput?: boolean;
}

/** Options of `waitForCompletion`. */
export interface WaitForCompletionOptions {
  /** Give up (with a `TimeoutError`) after this many milliseconds of real time. Default: wait forever. */
  timeout?: number;
}

/** Options of `startNew`. */
export interface StartOrchestrationOptions {
  /** The instance id. Default: a random UUID. Refused while an instance of that id is running. */
  instanceId?: string;
}

/** Which instances `purgeInstances` deletes. Only ended instances are ever deleted. */
export interface PurgeInstancesFilter {
  /** Only instances with one of these statuses, each Completed, Failed or Terminated. Default: all three. */
  runtimeStatus?: readonly OrchestrationRuntimeStatus[];
  /** Only instances created at or after this time. */
  createdTimeFrom?: Date;
  /** Only instances created at or before this time. */
  createdTimeTo?: Date;
  /** Only instances last updated (for an ended instance: ended) at or before this time. */
  lastUpdatedTimeTo?: Date;
}

/** Options of `restart`. */
export interface RestartOptions {
  /** Start the new execution under this id instead of the instance's own (which then keeps its history). */
  newInstanceId?: string;
}

/** Which instances `listInstances` returns. */
export interface ListInstancesQuery {
  /** Only instances with one of these statuses. */
  runtimeStatus?: readonly OrchestrationRuntimeStatus[];
  /** Only instances created at or after this time. */
  createdTimeFrom?: Date;
  /** Only instances created at or before this time. */
  createdTimeTo?: Date;
  /** Only instances whose id starts with this. */
  instanceIdPrefix?: string;
  /** Most instances per page. Default 100. */
  pageSize?: number;
  /** From a previous page. */
  continuationToken?: string;
}

/** One page of `listInstances`. */
export interface InstancesPage {
  readonly instances: readonly OrchestrationStatus[];
  /** Present when more pages may follow. */
  readonly continuationToken?: string;
}

/**
 * A started orchestration instance, typed by its orchestrator's input `I` and output `O`.
 *
 * @example
 * ```ts
 * const handle = await app.client.startNew(HelloSequence, ['Tokyo', 'London']);
 * const greetings: string[] = await handle.result();
 * ```
 */
export interface OrchestrationHandle<I = unknown, O = unknown> {
  readonly instanceId: string;
  /**
   * Waits for the instance to end and resolves with its output; rejects with an
   * `OrchestrationFailedError` when it failed or was terminated.
   */
  result(options?: WaitForCompletionOptions): Promise<O>;
  /** Waits for the instance to end (in any way) and resolves with its final status. */
  waitForCompletion(options?: WaitForCompletionOptions): Promise<OrchestrationStatus<I, O>>;
  /** The committed status now. */
  status(options?: GetStatusOptions): Promise<OrchestrationStatus<I, O>>;
  /** The current status, then every committed change of it; completes when the app stops. */
  readonly status$: Observable<OrchestrationStatus<I, O>>;
  /** Raises an external event; rejects if the instance has ended. */
  raiseEvent(name: string, data?: unknown): Promise<void>;
  terminate(reason?: string): Promise<void>;
  suspend(reason?: string): Promise<void>;
  resume(reason?: string): Promise<void>;
  /**
   * Deletes the instance and its history once it has ended. Rejects with an
   * `OrchestrationStillRunningError` (deleting nothing) while it is pending, running or
   * suspended: terminate it first.
   */
  purge(): Promise<void>;
  /**
   * Starts the ended instance again from the start with the input of its last execution,
   * under its own id (replacing its history) or `newInstanceId`; resolves with the handle of
   * the new execution. Rejects with an `OrchestrationStillRunningError` unless it has ended.
   */
  restart(options?: RestartOptions): Promise<OrchestrationHandle<I, O>>;
  /**
   * Retries the Failed instance from its failure: the failed activities and
   * sub-orchestrations run again, the work before them is kept. Rejects with an
   * `OrchestrationNotFailedError` unless it failed.
   */
  rewind(reason?: string): Promise<void>;
}
