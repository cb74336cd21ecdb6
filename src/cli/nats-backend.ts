import { newInstanceId as freshInstanceId } from '../runtime/random-ids';
import type { Observable, Subscription } from 'rxjs';
import pino from 'pino';
import { DurableClient } from '../client/durable-client';
import type { OrchestrationStatus } from '../client/orchestration-handle';
import { statusPayload, type StatusPayload } from '../http/status-payload';
import { isTerminalStatus, OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';
import type {
  Backend,
  DeadLetterAccess,
  EntityChangeEvent,
  EntityListQuery,
  EntityRef,
  EntityRow,
  InstanceListQuery,
  InstancePurgeFilter,
  StreamControl,
} from './backend';
import { instanceNotFound } from './cli-errors';
import { natsServers } from './arguments';

/** Most entities or instances asked for per page while collecting a listing. */
const PAGE_SIZE = 1000;

/** Where a client-only NATS connection goes. */
export interface NatsBackendOptions {
  readonly nats: string;
  readonly hub: string;
  /** Log the client's warnings (to stderr). */
  readonly verbose: boolean;
}

/** A client-only connection to a hub, logging to stderr (stdout carries results and JSON). */
export function connectClient(options: NatsBackendOptions): Promise<DurableClient> {
  const logger = pino({ level: options.verbose ? 'warn' : 'silent' }, pino.destination(2));
  return DurableClient.connect({ nats: natsServers(options.nats), hub: options.hub, logger });
}

/** The commands' calls on a client-only connection to a NATS hub (`DurableClient.connect`). */
export class NatsBackend implements Backend {
  readonly mode = 'nats' as const;

  private constructor(
    private readonly client: DurableClient,
    readonly target: string,
  ) {}

  static async connect(options: NatsBackendOptions): Promise<NatsBackend> {
    return new NatsBackend(await connectClient(options), `hub '${options.hub}' at ${options.nats}`);
  }

  signal(id: EntityRef, operation: string, input: unknown): Promise<void> {
    return this.client.signalEntity(id, operation, input);
  }

  call(id: EntityRef, operation: string, input: unknown): Promise<unknown> {
    return this.client.callEntity(id, operation, input);
  }

  async read(id: EntityRef): Promise<{ readonly state: unknown } | undefined> {
    const response = await this.client.readEntityState(id);
    return response.entityExists ? { state: response.entityState } : undefined;
  }

  async listEntities(query: EntityListQuery): Promise<EntityRow[]> {
    const rows: EntityRow[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.listEntities({
        ...(query.name === undefined ? {} : { name: query.name }),
        ...(query.lastOperationFrom ? { lastOperationFrom: query.lastOperationFrom } : {}),
        fetchState: query.fetchState,
        pageSize: Math.min(PAGE_SIZE, query.limit - rows.length),
        ...(token === undefined ? {} : { continuationToken: token }),
      });
      for (const entity of page.entities) {
        rows.push({
          entityId: entity.id,
          lastOperationTime: entity.lastOperationTime.toISOString(),
          ...(entity.lockedBy === undefined ? {} : { lockedBy: entity.lockedBy }),
          backlogQueueSize: entity.backlogQueueSize,
          ...('state' in entity ? { state: entity.state } : {}),
        });
      }
      token = page.continuationToken;
    } while (token !== undefined && rows.length < query.limit);
    return rows.slice(0, query.limit);
  }

  watchEntity(id: EntityRef, onChange: (change: EntityChangeEvent) => void, control: StreamControl): Promise<void> {
    const changes$ = this.client.entityState$(id);
    return follow(
      changes$,
      (response) => onChange({ entityId: id, exists: response.entityExists, ...(response.entityExists ? { state: response.entityState } : {}) }),
      control,
    );
  }

  watchEntities(name: string, onChange: (change: EntityChangeEvent) => void, control: StreamControl): Promise<void> {
    const changes$ = this.client.entityChanges$(name);
    return follow(changes$, (change) => onChange({ entityId: change.id, exists: change.exists, ...(change.exists ? { state: change.state } : {}) }), control);
  }

  async deleteEntity(id: EntityRef): Promise<void> {
    await this.client.signalEntity(id, 'delete');
  }

  async startNew(orchestrator: string, input: unknown, instanceId: string | undefined): Promise<string> {
    const handle = await this.client.startNew(orchestrator, input, instanceId === undefined ? undefined : { instanceId });
    return handle.instanceId;
  }

  async getStatus(instanceId: string, showHistory: boolean): Promise<StatusPayload | undefined> {
    const status = await this.client.getStatus(instanceId, { showHistory, showInput: true });
    return status && payload(status, showHistory);
  }

  async listInstances(query: InstanceListQuery): Promise<StatusPayload[]> {
    const statuses: StatusPayload[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.listInstances({
        ...(query.runtimeStatus ? { runtimeStatus: query.runtimeStatus as OrchestrationRuntimeStatus[] } : {}),
        ...(query.instanceIdPrefix === undefined ? {} : { instanceIdPrefix: query.instanceIdPrefix }),
        pageSize: Math.min(PAGE_SIZE, query.limit - statuses.length),
        ...(token === undefined ? {} : { continuationToken: token }),
      });
      statuses.push(...page.instances.map((status) => payload(status, false)));
      token = page.continuationToken;
    } while (token !== undefined && statuses.length < query.limit);
    return statuses.slice(0, query.limit);
  }

  raiseEvent(instanceId: string, event: string, data: unknown): Promise<void> {
    return this.client.raiseEvent(instanceId, event, data);
  }

  terminate(instanceId: string, reason: string | undefined): Promise<void> {
    return this.client.terminate(instanceId, reason);
  }

  suspend(instanceId: string, reason: string | undefined): Promise<void> {
    return this.client.suspend(instanceId, reason);
  }

  resume(instanceId: string, reason: string | undefined): Promise<void> {
    return this.client.resume(instanceId, reason);
  }

  rewind(instanceId: string, reason: string | undefined): Promise<void> {
    return this.client.rewind(instanceId, reason);
  }

  async restart(instanceId: string, newInstanceId: boolean): Promise<string> {
    const handle = await this.client.restart(instanceId, newInstanceId ? { newInstanceId: freshInstanceId() } : {});
    return handle.instanceId;
  }

  async purgeInstance(instanceId: string): Promise<number> {
    return (await this.client.purgeInstanceHistory(instanceId)).instancesDeleted;
  }

  async purgeInstances(filter: InstancePurgeFilter): Promise<number> {
    const result = await this.client.purgeInstances({
      ...(filter.runtimeStatus ? { runtimeStatus: filter.runtimeStatus as OrchestrationRuntimeStatus[] } : {}),
      ...(filter.createdBefore ? { createdTimeTo: filter.createdBefore } : {}),
    });
    return result.instancesDeleted;
  }

  async watchStatus(instanceId: string, onStatus: (status: StatusPayload) => void, control: StreamControl): Promise<StatusPayload | undefined> {
    if (!(await this.client.getStatus(instanceId))) throw instanceNotFound(instanceId);
    let final: StatusPayload | undefined;
    const ended = new AbortController();
    const abort = (): void => ended.abort();
    control.signal.addEventListener('abort', abort, { once: true });
    try {
      await follow(
        this.client.getHandle(instanceId).status$,
        (status) => {
          const shown = payload(status, false);
          onStatus(shown);
          // ContinuedAsNew hands over to the next execution of the same instance.
          if (isTerminalStatus(status.runtimeStatus) && status.runtimeStatus !== OrchestrationRuntimeStatus.ContinuedAsNew) {
            final = shown;
            ended.abort();
          }
        },
        { signal: ended.signal },
      );
    } finally {
      control.signal.removeEventListener('abort', abort);
    }
    return final;
  }

  deadLetters(): DeadLetterAccess {
    const letters = this.client.deadLetters;
    return {
      list: (subjectPrefix, limit, afterSeq) => letters.list({ ...(subjectPrefix === undefined ? {} : { subjectPrefix }), limit, afterSeq }),
      get: (seq) => letters.get(seq),
      replay: (seq) => letters.replay(seq),
      purge: (subjectPrefix) => letters.purge(subjectPrefix === undefined ? {} : { subjectPrefix }),
    };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function payload(status: OrchestrationStatus, showHistory: boolean): StatusPayload {
  return statusPayload(status, { showInput: true, showHistory, showHistoryOutput: true });
}

/** Subscribes until aborted (resolves) or the stream fails (rejects) or completes (resolves). */
function follow<T>(source$: Observable<T>, next: (value: T) => void, control: StreamControl): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let subscription: Subscription | undefined;
    const stop = (): void => {
      subscription?.unsubscribe();
      resolve();
    };
    if (control.signal.aborted) return resolve();
    control.signal.addEventListener('abort', stop, { once: true });
    subscription = source$.subscribe({
      next: (value) => {
        try {
          next(value);
        } catch (error) {
          subscription?.unsubscribe();
          reject(error);
        }
      },
      error: (error: unknown) => reject(error),
      complete: () => resolve(),
    });
    if (control.signal.aborted) subscription.unsubscribe();
  });
}
