import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { OutsideOperationError } from '../errors';
import type { Constructor } from '../registry/entity-definition';
import type { EntityId } from '../registry/entity-id';
import type { DeferredSignalProxy } from './operation-proxy';
import type { OrchestratorClass, OrchestratorInput } from './orchestration/orchestration-context';

/** Options of a signal. */
export interface SignalOptions {
  /** Apply the operation at (not before) this time. Survives restarts. */
  scheduledTime?: Date;
}

/**
 * What an entity operation can do besides changing its own fields. Obtain it with
 * {@link entityContext} while the operation runs.
 *
 * @example
 * ```ts
 * @Operation() add(amount: number): void {
 *   this.value += amount;
 *   if (this.value >= 100) entityContext().entity(Alerts, 'ops').signal.raise(this.value);
 * }
 * ```
 */
export interface EntityContext {
  /** The entity this operation runs on. */
  readonly entityId: EntityId;
  /** The name of the running operation. */
  readonly operationName: string;
  /** A logger bound to this entity and operation. */
  readonly logger: Logger;
  /**
   * Sends a one-way operation to another entity (or this one). It is sent only if this
   * operation succeeds, atomically with this entity's new state.
   */
  signalEntity(id: EntityId, operation: string, input?: unknown, options?: SignalOptions): void;
  /**
   * A typed one-way proxy to another entity; same rules as {@link EntityContext.signalEntity}.
   * `signalAt(time)` schedules the operation instead.
   */
  entity<T extends object>(cls: Constructor<T>, key: string): { readonly signal: DeferredSignalProxy<T>; signalAt(time: Date): DeferredSignalProxy<T> };
  /** Deletes this entity's state when the operation succeeds; a later operation starts from a fresh instance. */
  deleteState(): void;
  /**
   * Starts an orchestration when this operation succeeds (atomically with this entity's
   * new state) and returns its instance id: `options.instanceId`, or an id derived from
   * this operation, the same on every re-run. Starting an id that is still running fails
   * that start (logged), not this operation.
   *
   * @example
   * ```ts
   * @Operation() close(): void {
   *   this.closed = true;
   *   entityContext().startNewOrchestration(SettleAccount, { account: entityContext().entityId.key });
   * }
   * ```
   */
  startNewOrchestration<C extends OrchestratorClass>(orchestrator: C, input?: OrchestratorInput<C>, options?: StartOrchestrationFromEntityOptions): string;
  startNewOrchestration(orchestrator: string, input?: unknown, options?: StartOrchestrationFromEntityOptions): string;
}

/** Options of {@link EntityContext.startNewOrchestration}. */
export interface StartOrchestrationFromEntityOptions {
  /** The new instance's id; by default one derived from the starting operation. */
  readonly instanceId?: string;
}

/** A context that knows whether its operation is still running. */
export interface ScopedEntityContext extends EntityContext {
  readonly active: boolean;
}

/** The context of async operations: it follows their awaits. */
const asyncContext = new AsyncLocalStorage<ScopedEntityContext>();
/**
 * The context of the synchronous operation running right now. Synchronous operations do
 * not use AsyncLocalStorage: on Node 20 its first use turns on promise hooks for the whole
 * process, which taxes every promise, the application's included.
 */
let syncContext: ScopedEntityContext | undefined;

/**
 * Runs `fn` with `context` as the current entity context. `isAsync` operations get a
 * context that survives their awaits; others get it for their synchronous run only.
 */
export function runInEntityContext<R>(context: ScopedEntityContext, isAsync: boolean, fn: () => R): R {
  if (isAsync) return asyncContext.run(context, fn);
  const previous = syncContext;
  syncContext = context;
  try {
    return fn();
  } finally {
    syncContext = previous;
  }
}

/**
 * The context of the entity operation that is running now.
 * Throws an {@link OutsideOperationError} outside an operation.
 */
export function entityContext(): EntityContext {
  const context = syncContext ?? asyncContext.getStore();
  // A callback the operation left behind (a timer, an unawaited promise) still sees the
  // context after the operation returned; what it would send could no longer be committed.
  if (!context?.active) throw new OutsideOperationError('entityContext()');
  return context;
}
