import { MAX_PAGE_SIZE, pageSizeOf } from './page-size';
import { newClientId, newInstanceId } from '../runtime/random-ids';
import { type Observable, distinctUntilChanged, filter, map } from 'rxjs';
import {
  AppStoppedError,
  ErrorCode,
  InvalidOptionsError,
  OperationFailedError,
  OrchestrationAlreadyExistsError,
  OrchestrationFailedError,
  OrchestrationNotFailedError,
  OrchestrationNotFoundError,
  OrchestrationNotRunningError,
  OrchestrationStillRunningError,
  TimeoutError,
} from '../errors';
import type { Engine } from '../engine/engine';
import type { Registry } from '../registry/registry';
import { isValidOrchestratorName } from '../registry/orchestrator-definition';
import type { RemoteError } from '../runtime/messages';
import type { OrchestratorClass, OrchestratorInput, OrchestratorOutput } from '../runtime/orchestration/orchestration-context';
import { assertValidInstanceId, executionStarted } from '../runtime/orchestration/orchestration-ids';
import { ENDED_STATUSES, hasEnded, isTerminalStatus, OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';
import { instanceMessage, instanceTarget, InstanceOperation, ORCHESTRATION_TARGET, type StoredInstance } from '../runtime/orchestration/orchestration-target';
import { toPlain } from '../runtime/value-codec';
import { entitySnapshots$ } from '../rx/state-streams';
import { telemetry, type ClientAction } from '../telemetry/telemetry';
import type { EntitySnapshot, OperationMessage } from '../runtime/messages';
import { UNLOCK_OPERATION, type UnlockRequest } from '../runtime/entity-locks';
import { BUILT_IN_PREFIX } from '../registry/registry';
import type {
  GetStatusOptions,
  InstancesPage,
  ListInstancesQuery,
  OrchestrationHandle,
  OrchestrationStatus,
  PurgeInstancesFilter,
  RestartOptions,
  StartOrchestrationOptions,
  WaitForCompletionOptions,
} from './orchestration-handle';

/** How long after an instance ended `cleanEntityStorage` leaves its locks alone, by default. */
const DEFAULT_CLEAN_GRACE_MS = 60_000;
/** Purges in flight at once in `purgeInstances`. */
const PURGE_CONCURRENCY = 32;

/** The result of `purgeInstanceHistory` and `purgeInstances`. */
export interface PurgeResult {
  readonly instancesDeleted: number;
}

/** What `cleanEntityStorage` did. */
export interface CleanEntityStorageResult {
  /** Entity locks whose owner had ended or no longer existed, now released (their queued operations run). */
  readonly orphanedLocksReleased: number;
}

/** Options of `cleanEntityStorage`. */
export interface CleanEntityStorageOptions {
  /**
   * Leave alone the locks of instances that ended less than this many milliseconds ago: their
   * own release may still be on its way. Default 60,000. Locks of unknown instances are
   * always released.
   */
  graceMs?: number;
}

/** What an {@link OrchestrationClient} is built from. */
export interface OrchestrationClientDependencies {
  readonly registry: Registry;
  readonly engine: Engine;
}

/**
 * Starts and manages orchestration instances (the orchestration half of the app's client).
 * Requests that must see the instance's current state (start, raise, terminate, suspend,
 * resume, purge) are `call`s to the instance, so their checks and effects are atomic with
 * its other events; statuses are read from committed state.
 */
export class OrchestrationClient {
  private readonly clientId = newClientId();
  private sequence = 0;

  constructor(private readonly deps: OrchestrationClientDependencies) {}

  /** Starts an instance of an orchestrator (class or registered name) and returns its handle once it is stored. */
  startNew<C extends OrchestratorClass>(
    orchestrator: C,
    input?: OrchestratorInput<C>,
    options?: StartOrchestrationOptions,
  ): Promise<OrchestrationHandle<OrchestratorInput<C>, OrchestratorOutput<C>>>;
  startNew<I = unknown, O = unknown>(orchestrator: string, input?: I, options?: StartOrchestrationOptions): Promise<OrchestrationHandle<I, O>>;
  async startNew(orchestrator: Function | string, input?: unknown, options?: StartOrchestrationOptions): Promise<OrchestrationHandle> {
    const name = this.orchestratorName(orchestrator);
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new InvalidOptionsError(`startNew options must be an object such as { instanceId: 'order-42' }.`);
    }
    const instanceId = options?.instanceId ?? newInstanceId();
    assertValidInstanceId(instanceId);
    const plainInput = input === undefined ? undefined : toPlain(input, `input of orchestrator '${name}'`);
    await this.call(instanceId, InstanceOperation.start, { started: executionStarted({ name, input: plainInput }) });
    return this.handle(instanceId);
  }

  /** A handle on an existing instance by id (nothing is checked until it is used). */
  handle<I = unknown, O = unknown>(instanceId: string): OrchestrationHandle<I, O> {
    assertValidInstanceId(instanceId);
    return {
      instanceId,
      result: (options) => this.result(instanceId, options) as Promise<O>,
      waitForCompletion: (options) => this.waitForCompletion(instanceId, options) as Promise<OrchestrationStatus<I, O>>,
      status: async (options) => {
        const status = await this.getStatus(instanceId, options);
        if (!status) throw new OrchestrationNotFoundError(instanceId);
        return status as OrchestrationStatus<I, O>;
      },
      status$: this.status$(instanceId) as Observable<OrchestrationStatus<I, O>>,
      raiseEvent: (name, data) => this.raiseEvent(instanceId, name, data),
      terminate: (reason) => this.terminate(instanceId, reason),
      suspend: (reason) => this.suspend(instanceId, reason),
      resume: (reason) => this.resume(instanceId, reason),
      purge: async () => {
        await this.purgeInstanceHistory(instanceId);
      },
      restart: (options) => this.restart(instanceId, options) as Promise<OrchestrationHandle<I, O>>,
      rewind: (reason) => this.rewind(instanceId, reason),
    };
  }

  /** The committed status of an instance, or `undefined` if there is none. */
  async getStatus(instanceId: string, options: GetStatusOptions = {}): Promise<OrchestrationStatus | undefined> {
    assertValidInstanceId(instanceId);
    const snapshot = await this.deps.engine.readSnapshot(instanceTarget(instanceId));
    if (!snapshot?.exists) return undefined;
    return toStatus(snapshot, options);
  }

  /** The instance's current status, then each committed change of its status, output or custom status. */
  status$(instanceId: string): Observable<OrchestrationStatus> {
    assertValidInstanceId(instanceId);
    return entitySnapshots$(this.deps.engine, instanceTarget(instanceId)).pipe(
      filter((snapshot) => snapshot.exists),
      map((snapshot) => toStatus(snapshot, {})),
      distinctUntilChanged(
        (a, b) =>
          a.runtimeStatus === b.runtimeStatus &&
          JSON.stringify(a.customStatus) === JSON.stringify(b.customStatus) &&
          JSON.stringify(a.output) === JSON.stringify(b.output),
      ),
    );
  }

  /** Raises external event `name` with `data`; rejects for an unknown or ended instance. */
  async raiseEvent(instanceId: string, name: string, data?: unknown): Promise<void> {
    if (typeof name !== 'string' || name.length === 0) throw new InvalidOptionsError(`An event name must be a non-empty string, got ${String(name)}.`);
    const plain = data === undefined ? undefined : toPlain(data, `data of event '${name}'`);
    await this.call(instanceId, InstanceOperation.raiseEvent, { name, ...(plain === undefined ? {} : { data: plain }) });
  }

  /** Ends a running instance at once, with `reason` as its output. Does nothing to an ended one. */
  async terminate(instanceId: string, reason?: string): Promise<void> {
    await this.call(instanceId, InstanceOperation.terminate, reasonInput(reason));
  }

  /** Pauses a running instance: events are kept and delivered on resume. */
  async suspend(instanceId: string, reason?: string): Promise<void> {
    await this.call(instanceId, InstanceOperation.suspend, reasonInput(reason));
  }

  async resume(instanceId: string, reason?: string): Promise<void> {
    await this.call(instanceId, InstanceOperation.resume, reasonInput(reason));
  }

  /**
   * Deletes an ended (Completed, Failed or Terminated) instance and its history; answers
   * `{ instancesDeleted: 0 }` for an id with no instance. An instance that has not ended is
   * refused with an `OrchestrationStillRunningError` and nothing is deleted: terminate it
   * first. Answers that arrive for a purged instance later are dropped.
   */
  async purgeInstanceHistory(instanceId: string): Promise<PurgeResult> {
    const deleted = await this.call(instanceId, InstanceOperation.purge, undefined);
    return { instancesDeleted: typeof deleted === 'number' ? deleted : 0 };
  }

  /**
   * Deletes every ended instance that matches the filter, with its history, and answers how
   * many were deleted. Instances that have not ended are never deleted: asking for a status
   * other than Completed, Failed or Terminated is an `InvalidOptionsError`.
   *
   * @example
   * ```ts
   * const monthAgo = new Date(Date.now() - 30 * 24 * 3600_000);
   * const { instancesDeleted } = await client.purgeInstances({ createdTimeTo: monthAgo });
   * ```
   */
  async purgeInstances(filter: PurgeInstancesFilter = {}): Promise<PurgeResult> {
    if (typeof filter !== 'object' || filter === null)
      throw new InvalidOptionsError("purgeInstances() takes a filter object such as { runtimeStatus: ['Completed'] }.");
    const statuses = filter.runtimeStatus ?? ENDED_STATUSES;
    for (const status of statuses) {
      if (!hasEnded(status)) {
        throw new InvalidOptionsError(
          `purgeInstances() deletes only ended instances: runtimeStatus may list Completed, Failed and Terminated, not ${String(status)}.`,
        );
      }
    }
    const dates = [
      ['createdTimeFrom', filter.createdTimeFrom],
      ['createdTimeTo', filter.createdTimeTo],
      ['lastUpdatedTimeTo', filter.lastUpdatedTimeTo],
    ] as const;
    for (const [key, value] of dates) {
      if (value !== undefined && !(value instanceof Date && Number.isFinite(value.getTime())))
        throw new InvalidOptionsError(`${key} must be a valid Date, got ${String(value)}.`);
    }
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.listInstances({
        runtimeStatus: statuses,
        ...(filter.createdTimeFrom ? { createdTimeFrom: filter.createdTimeFrom } : {}),
        ...(filter.createdTimeTo ? { createdTimeTo: filter.createdTimeTo } : {}),
        pageSize: MAX_PAGE_SIZE,
        ...(token === undefined ? {} : { continuationToken: token }),
      });
      const updatedTo = filter.lastUpdatedTimeTo?.getTime();
      for (const status of page.instances) if (updatedTo === undefined || status.lastUpdatedTime.getTime() <= updatedTo) ids.push(status.instanceId);
      token = page.continuationToken;
    } while (token !== undefined);
    let instancesDeleted = 0;
    for (let i = 0; i < ids.length; i += PURGE_CONCURRENCY) {
      const deleted = await Promise.all(
        ids.slice(i, i + PURGE_CONCURRENCY).map((id) =>
          // Restarted since it was listed: it is running again and stays.
          this.purgeInstanceHistory(id).then(
            ({ instancesDeleted: n }) => n,
            (error: unknown) => (error instanceof OrchestrationStillRunningError ? 0 : Promise.reject(error)),
          ),
        ),
      );
      instancesDeleted += deleted.reduce((a, b) => a + b, 0);
    }
    return { instancesDeleted };
  }

  /**
   * Starts an ended (Completed, Failed or Terminated) instance again, from the start, with the
   * input of its last execution, under the same id or `newInstanceId`. Rejects with an
   * `OrchestrationStillRunningError` while it is pending, running or suspended, and with an
   * `OrchestrationNotFoundError` for an unknown id. Restarting under the same id replaces the
   * old execution and its history.
   */
  async restart(instanceId: string, options: RestartOptions = {}): Promise<OrchestrationHandle> {
    assertValidInstanceId(instanceId);
    const newInstanceId = options.newInstanceId ?? instanceId;
    assertValidInstanceId(newInstanceId);
    const status = await this.getStatus(instanceId, { showInput: true });
    if (!status) throw new OrchestrationNotFoundError(instanceId, `Cannot restart: no orchestration instance '${instanceId}' exists.`);
    if (!hasEnded(status.runtimeStatus)) {
      throw new OrchestrationStillRunningError(
        instanceId,
        status.runtimeStatus,
        `Orchestration instance '${instanceId}' is ${status.runtimeStatus}: only ended instances can be restarted. Terminate it first (terminate(id, reason)) or wait for it to end.`,
      );
    }
    const started = executionStarted({ name: status.name, input: status.input });
    const operation = newInstanceId === instanceId ? InstanceOperation.restart : InstanceOperation.start;
    await this.call(newInstanceId, operation, { started });
    return this.handle(newInstanceId);
  }

  /**
   * Retries a Failed instance from where it failed: the failures of the activities and
   * sub-orchestrations it did not get past are taken out of its history, and those steps run
   * again (a failed sub-orchestration starts again from its beginning). The work it did before
   * the failure is kept. Rejects with an `OrchestrationNotFailedError` when it completed or
   * was terminated, `OrchestrationStillRunningError` while it runs, and an
   * `InvalidOptionsError` saying why when its history cannot be rewound (it failed inside a
   * critical section, or the current code does not replay it); restart it then.
   */
  async rewind(instanceId: string, reason?: string): Promise<void> {
    await this.call(instanceId, InstanceOperation.rewind, reasonInput(reason));
  }

  /**
   * Looks at every entity that has state: releases each lock whose owner (an orchestration
   * instance) has ended or no longer exists, so the operations queued behind it run. Locks of
   * running instances are left alone. Safe to run at any time.
   */
  async cleanEntityStorage(options: CleanEntityStorageOptions = {}): Promise<CleanEntityStorageResult> {
    const graceMs = options.graceMs ?? DEFAULT_CLEAN_GRACE_MS;
    if (!Number.isFinite(graceMs) || graceMs < 0)
      throw new InvalidOptionsError(`graceMs must be a non-negative number of milliseconds, got ${String(options.graceMs)}.`);
    let orphanedLocksReleased = 0;
    const owners = new Map<string, boolean>();
    const unlocks: OperationMessage[] = [];
    let token: string | undefined;
    do {
      const page = await this.deps.engine.listSnapshots({ pageSize: MAX_PAGE_SIZE, ...(token === undefined ? {} : { continuationToken: token }) });
      for (const snapshot of page.snapshots) {
        if (snapshot.id.name.startsWith(BUILT_IN_PREFIX)) continue;
        const owner = snapshot.lock?.owner;
        if (owner === undefined) continue;
        if (!owners.has(owner)) {
          const status = await this.getStatus(owner);
          const running = status !== undefined && !isTerminalStatus(status.runtimeStatus);
          const endedLately = status !== undefined && Date.now() - status.lastUpdatedTime.getTime() < graceMs;
          owners.set(owner, running || endedLately);
        }
        if (owners.get(owner)) continue;
        const input: UnlockRequest = { owner };
        unlocks.push({ id: `${this.clientId}.o${++this.sequence}`, target: snapshot.id, operation: UNLOCK_OPERATION, kind: 'signal', input });
        orphanedLocksReleased++;
      }
      token = page.continuationToken;
    } while (token !== undefined);
    if (unlocks.length > 0) await this.deps.engine.send(unlocks);
    return { orphanedLocksReleased };
  }

  /** Resolves with the final status once the instance has ended; rejects with a `TimeoutError` after `timeout` ms. */
  waitForCompletion(instanceId: string, options: WaitForCompletionOptions = {}): Promise<OrchestrationStatus> {
    const timeoutMs = options.timeout;
    if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
      return Promise.reject(new InvalidOptionsError(`timeout must be a non-negative number of milliseconds, got ${String(timeoutMs)}.`));
    }
    return new Promise<OrchestrationStatus>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        queueMicrotask(() => subscription.unsubscribe());
        outcome();
      };
      const subscription = this.status$(instanceId).subscribe({
        next: (status) => {
          if (isTerminalStatus(status.runtimeStatus)) finish(() => resolve(status));
        },
        error: (error: unknown) => finish(() => reject(error)),
        complete: () => finish(() => reject(new AppStoppedError(`The app stopped while waiting for orchestration instance '${instanceId}'.`))),
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => finish(() => reject(new TimeoutError(`Orchestration instance '${instanceId}' did not complete within ${timeoutMs} ms.`))),
          timeoutMs,
        );
      }
      this.getStatus(instanceId).then(
        (status) => {
          if (!status) finish(() => reject(new OrchestrationNotFoundError(instanceId)));
        },
        (error: unknown) => finish(() => reject(error)),
      );
    });
  }

  /** Waits for the instance to end; its output if it completed, an `OrchestrationFailedError` otherwise. */
  async result(instanceId: string, options?: WaitForCompletionOptions): Promise<unknown> {
    const status = await this.waitForCompletion(instanceId, options);
    if (status.runtimeStatus === OrchestrationRuntimeStatus.Completed) return status.output;
    throw new OrchestrationFailedError(instanceId, status.runtimeStatus, status.failureDetails, status.output);
  }

  /** Instances matching the query, a page at a time, in instance id order. */
  listInstances(query: ListInstancesQuery = {}): Promise<InstancesPage> {
    return this.findInstances(query);
  }

  /** {@link listInstances}, also narrowed to the instances of the orchestrator `name`. */
  async findInstances(query: ListInstancesQuery & { readonly name?: string } = {}): Promise<InstancesPage> {
    const pageSize = pageSizeOf(query.pageSize);
    const statuses = query.runtimeStatus ? new Set<string>(query.runtimeStatus) : undefined;
    const from = query.createdTimeFrom?.getTime();
    const to = query.createdTimeTo?.getTime();
    const { name } = query;
    const filtered = statuses !== undefined || from !== undefined || to !== undefined || name !== undefined;
    // The engine applies the filter as it scans, so one call fills the page and its token
    // marks where the next page starts, however many instances the filter passed over.
    const where = (snapshot: EntitySnapshot): boolean => {
      const stored = JSON.parse(snapshot.stateJson ?? '{}') as StoredInstance;
      if (statuses && !statuses.has(stored.runtimeStatus)) return false;
      if (from !== undefined && stored.createdTime < from) return false;
      if (to !== undefined && stored.createdTime > to) return false;
      return name === undefined || stored.name === name;
    };
    const page = await this.deps.engine.listSnapshots({
      name: ORCHESTRATION_TARGET,
      // The engine narrows its scan to the prefix's range instead of reading every instance.
      ...(query.instanceIdPrefix === undefined ? {} : { keyPrefix: query.instanceIdPrefix }),
      ...(filtered ? { where } : {}),
      pageSize,
      ...(query.continuationToken === undefined ? {} : { continuationToken: query.continuationToken }),
    });
    const instances = page.snapshots.map((snapshot) => toStatus(snapshot, { showInput: true }));
    return { instances, ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }) };
  }

  private orchestratorName(orchestrator: Function | string): string {
    const registry = this.deps.registry;
    if (typeof orchestrator !== 'string') return registry.orchestratorOf(orchestrator).name;
    if (registry.open && !registry.hasOrchestrator(orchestrator)) {
      if (!isValidOrchestratorName(orchestrator)) throw new InvalidOptionsError(`'${orchestrator}' is not a valid orchestrator name.`);
      return orchestrator;
    }
    return registry.orchestratorNamed(orchestrator).name;
  }

  private async call(instanceId: string, operation: InstanceOperation, input: unknown): Promise<unknown> {
    assertValidInstanceId(instanceId);
    const request = instanceMessage(`${this.clientId}.o${++this.sequence}`, instanceId, operation, 'call', input);
    const traced = TRACED_ACTIONS[operation];
    return traced ? telemetry().client(traced, [request], () => this.answer(instanceId, operation, request)) : this.answer(instanceId, operation, request);
  }

  /** Sends an instance operation and turns a refusal into its typed error. */
  private async answer(instanceId: string, operation: InstanceOperation, request: OperationMessage): Promise<unknown> {
    const reply = await this.deps.engine.call(request);
    if (reply.ok) return reply.value;
    const { code, message } = reply.error;
    if (code === ErrorCode.OrchestrationStillRunning || code === ErrorCode.OrchestrationNotFailed) {
      // The refusal names the status in its message; the typed error carries it as a field too.
      const status = (await this.getStatus(instanceId).catch(() => undefined))?.runtimeStatus;
      if (code === ErrorCode.OrchestrationNotFailed) throw new OrchestrationNotFailedError(instanceId, status ?? OrchestrationRuntimeStatus.Completed, message);
      throw new OrchestrationStillRunningError(instanceId, status ?? OrchestrationRuntimeStatus.Running, message);
    }
    throw remoteOrchestrationError(instanceId, operation, reply.error);
  }
}

/** The instance operations whose client calls get a span, and the span's action. */
const TRACED_ACTIONS: Partial<Record<InstanceOperation, ClientAction>> = {
  [InstanceOperation.start]: 'startNew',
  [InstanceOperation.raiseEvent]: 'raiseEvent',
};

function reasonInput(reason: string | undefined): { reason?: string } | undefined {
  if (reason === undefined) return undefined;
  if (typeof reason !== 'string') throw new InvalidOptionsError(`A reason must be a string, got ${typeof reason}.`);
  return { reason };
}

/** The typed error for an instance operation that failed where the instance lives. */
function remoteOrchestrationError(instanceId: string, operation: string, error: RemoteError): Error {
  switch (error.code) {
    case ErrorCode.OrchestrationNotFound:
      return new OrchestrationNotFoundError(instanceId, error.message);
    case ErrorCode.OrchestrationAlreadyExists:
      return new OrchestrationAlreadyExistsError(instanceId, error.message);
    case ErrorCode.OrchestrationNotRunning:
      return new OrchestrationNotRunningError(instanceId, error.message);
    case ErrorCode.InvalidOptions:
      return new InvalidOptionsError(error.message);
    default:
      return new OperationFailedError(`orchestration instance '${instanceId}' ${operation}`, error.name, error.message, error.code);
  }
}

function toStatus(snapshot: EntitySnapshot, options: GetStatusOptions): OrchestrationStatus {
  const stored = JSON.parse(snapshot.stateJson ?? '{}') as StoredInstance;
  return {
    name: stored.name,
    instanceId: stored.instanceId ?? snapshot.id.key,
    runtimeStatus: stored.runtimeStatus,
    ...(stored.input === undefined || options.showInput === false ? {} : { input: stored.input }),
    ...(stored.output === undefined ? {} : { output: stored.output }),
    ...(stored.customStatus === undefined ? {} : { customStatus: stored.customStatus }),
    createdTime: new Date(stored.createdTime),
    lastUpdatedTime: new Date(stored.lastUpdatedTime),
    ...(stored.failure ? { failureDetails: stored.failure } : {}),
    ...(stored.parent ? { parentInstanceId: stored.parent.instanceId } : {}),
    ...(options.showHistory ? { history: stored.history } : {}),
  };
}
