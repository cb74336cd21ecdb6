import { DEFAULT_HUB } from './hub-name';
import { pageSizeOf } from './page-size';
import { scheduledTimeMs } from '../runtime/scheduled-time';
import { newClientId } from '../runtime/random-ids';
import { type Observable, filter, map } from 'rxjs';
import { InvalidEntityIdError, InvalidOptionsError, OperationFailedError } from '../errors';
import type { DeadLetters } from '../engine/dead-letters';
import type { Engine } from '../engine/engine';
import type { NatsServers } from '../engine/nats/hub-connection';
import { openNatsEngine } from '../engine/nats/open-nats-engine';
import { DEFAULT_PARTITION_COUNT } from '../engine/partitioner';
import { createLogger } from '../logging';
import { instanceFactory, type ResolveInstance } from '../runtime/instance-factory';
import type { Logger, LoggerOptions } from 'pino';
import { DELETE_OPERATION, type Constructor, type EntityDefinition } from '../registry/entity-definition';
import { assertValidKey, isValidEntityName, type EntityId } from '../registry/entity-id';
import { BUILT_IN_PREFIX, Registry } from '../registry/registry';
import type { SignalOptions } from '../runtime/entity-context';
import type { EntitySnapshot, OperationKind, OperationMessage } from '../runtime/messages';
import { createOperationProxy, type CallProxy, type SignalProxy } from '../runtime/operation-proxy';
import { assignPlain, toPlain } from '../runtime/value-codec';
import { entitySnapshots$, nameSnapshots$ } from '../rx/state-streams';
import type {
  EntityChange,
  EntityClassHandle,
  EntityHandle,
  EntityListPage,
  EntityMetadata,
  EntityLockInfo,
  EntityReadResponse,
  EntityStateResponse,
  ListEntitiesQuery,
} from './entity-types';
import { systemClock } from '../runtime/clock';
import { SignalBurst } from './signal-burst';
import { assertSignalManyItems, type SignalManyItem } from './signal-many';
import { windowsOf, type WindowsHandle } from './windowed-entities';
import { ClientInsights } from './client-insights';
import { OrchestrationClient } from './orchestration-client';
import { loadTelemetry, telemetry } from '../telemetry/telemetry';
import {
  checkStatusResponse,
  managementPayload,
  type CheckStatusResponse,
  type HttpManagementOptions,
  type HttpManagementPayload,
  type HttpRequestLike,
} from './http-management';

/**
 * Settings of {@link DurableClient.connect}: a client-only process on a NATS hub.
 *
 * @example
 * ```ts
 * const client = await DurableClient.connect({ nats: 'nats://127.0.0.1:4222', hub: 'shop' });
 * await client.entity(Counter, 'visits').signal.add(1);
 * await client.close();
 * ```
 */
export interface DurableClientOptions {
  /** The NATS server URL(s) or nats.js connection options. */
  nats: NatsServers;
  /** The hub the workers run. Default `jetstate`. */
  hub?: string;
  /** A pino logger or options. Default: pino at level `info`. */
  logger?: Logger | LoggerOptions;
  /** Creates the entity instances that `read()`, `state$` and `changes$` return. */
  resolve?: ResolveInstance;
  /** How long a `call` waits for its reply. Default 30,000 ms. */
  callTimeoutMs?: number;
}

/** What a {@link DurableClient} is built from. */
export interface DurableClientDependencies {
  readonly registry: Registry;
  readonly engine: Engine;
  readonly createInstance: (ctor: Constructor) => object;
}

/**
 * Reaches entities: typed handles (`entity`, `entities`) and the untyped, Durable
 * Functions style calls (`signalEntity`, `callEntity`, `readEntityState`, `listEntities`).
 * Starts and manages orchestrations: `startNew` (which returns a handle), and by instance
 * id `getStatus`, `raiseEvent`, `terminate`, `suspend`, `resume`, `purgeInstanceHistory`,
 * `restart`, `rewind`, `waitForCompletion`, `listInstances`, `purgeInstances` (by filter), and
 * `getHandle(id)` for a handle (see {@link OrchestrationClient}); `cleanEntityStorage` releases
 * entity locks left by instances that no longer run.
 * Everything is validated before it is sent: a bad request throws and enqueues nothing.
 */
export class DurableClient {
  private readonly clientId = newClientId();
  private sequence = 0;
  private webhookBaseUrl: string | undefined;
  readonly startNew: OrchestrationClient['startNew'];
  readonly getStatus: OrchestrationClient['getStatus'];
  readonly raiseEvent: OrchestrationClient['raiseEvent'];
  readonly terminate: OrchestrationClient['terminate'];
  readonly suspend: OrchestrationClient['suspend'];
  readonly resume: OrchestrationClient['resume'];
  readonly purgeInstanceHistory: OrchestrationClient['purgeInstanceHistory'];
  readonly waitForCompletion: OrchestrationClient['waitForCompletion'];
  readonly listInstances: OrchestrationClient['listInstances'];
  readonly purgeInstances: OrchestrationClient['purgeInstances'];
  readonly restart: OrchestrationClient['restart'];
  readonly rewind: OrchestrationClient['rewind'];
  readonly cleanEntityStorage: OrchestrationClient['cleanEntityStorage'];
  /** A handle on an existing instance, by id (nothing is checked until it is used). */
  readonly getHandle: OrchestrationClient['handle'];
  /** Change streams, counts by status, engine counters and entity names, for monitors and the dashboard. */
  readonly insights: ClientInsights;
  private readonly burst: SignalBurst;
  /** Sends signals through the telemetry wrapper; made once so a signal allocates no closure for it. */
  private readonly sendSignals = (messages: readonly OperationMessage[]): Promise<void> => telemetry().client('signal', messages, this.sendToEngine);
  private readonly sendToEngine = (messages: readonly OperationMessage[]): Promise<void> => this.deps.engine.send(messages);

  constructor(
    private readonly deps: DurableClientDependencies,
    /** Set when this client owns its engine (a client-only connection), so `close()` stops it. */
    private readonly ownsEngine = false,
  ) {
    const orchestrations = new OrchestrationClient(deps);
    // A burst is one message, so one span.
    this.burst = new SignalBurst(this.sendSignals);
    this.startNew = orchestrations.startNew.bind(orchestrations) as OrchestrationClient['startNew'];
    this.getStatus = orchestrations.getStatus.bind(orchestrations);
    this.raiseEvent = orchestrations.raiseEvent.bind(orchestrations);
    this.terminate = orchestrations.terminate.bind(orchestrations);
    this.suspend = orchestrations.suspend.bind(orchestrations);
    this.resume = orchestrations.resume.bind(orchestrations);
    this.purgeInstanceHistory = orchestrations.purgeInstanceHistory.bind(orchestrations);
    this.waitForCompletion = orchestrations.waitForCompletion.bind(orchestrations);
    this.listInstances = orchestrations.listInstances.bind(orchestrations);
    this.purgeInstances = orchestrations.purgeInstances.bind(orchestrations);
    this.restart = orchestrations.restart.bind(orchestrations);
    this.rewind = orchestrations.rewind.bind(orchestrations);
    this.cleanEntityStorage = orchestrations.cleanEntityStorage.bind(orchestrations);
    this.getHandle = orchestrations.handle.bind(orchestrations) as OrchestrationClient['handle'];
    this.insights = new ClientInsights({ registry: deps.registry, engine: deps.engine, findInstances: orchestrations.findInstances.bind(orchestrations) });
  }

  /**
   * Connects a client-only process to a NATS hub: it hosts no entities and reaches the
   * hub's workers. Entity classes are learned when first used with `entity(Class, key)`.
   */
  static async connect(options: DurableClientOptions): Promise<DurableClient> {
    if (typeof options !== 'object' || options === null || options.nats === undefined) {
      throw new InvalidOptionsError(`DurableClient.connect needs { nats: 'nats://host:4222' } (and the hub's name as hub).`);
    }
    const unknown = Object.keys(options).filter((key) => !['nats', 'hub', 'logger', 'resolve', 'callTimeoutMs'].includes(key));
    if (unknown.length > 0) {
      throw new InvalidOptionsError(
        `Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}. Known options: nats, hub, logger, resolve, callTimeoutMs.`,
      );
    }
    const hubName = options.hub ?? DEFAULT_HUB;
    const callTimeoutMs = options.callTimeoutMs ?? 30_000;
    if (!Number.isInteger(callTimeoutMs) || callTimeoutMs < 1) {
      throw new InvalidOptionsError(`callTimeoutMs must be a positive integer, got ${String(options.callTimeoutMs)}.`);
    }
    const registry = Registry.openRegistry();
    await loadTelemetry();
    const engine = await openNatsEngine({
      servers: options.nats,
      hubName,
      partitionCount: DEFAULT_PARTITION_COUNT,
      partitionCountGiven: false,
      leaseTimeMs: 10_000,
      callTimeoutMs,
      maxBatchSize: 1,
      cacheCapacity: 1,
      // A client-only process runs no activities.
      activityConcurrency: 0,
      registry,
      logger: createLogger(options.logger),
      clock: systemClock,
    });
    await engine.start();
    return new DurableClient({ registry, engine, createInstance: instanceFactory(options.resolve) }, true);
  }

  /** Closes a client made by {@link DurableClient.connect}. An app's own client closes with `app.stop()`. */
  async close(): Promise<void> {
    this.burst.flush();
    if (this.ownsEngine) await this.deps.engine.stop();
  }

  /** A typed handle on the entity of class `cls` with key `key`. */
  entity<T extends object>(cls: Constructor<T>, key: string): EntityHandle<T> {
    const definition = this.deps.registry.entityOf(cls);
    assertValidKey(definition.name, key);
    const id: EntityId = { name: definition.name, key };
    const operationOf = (method: string): string => definition.operationsByMethod.get(method) ?? method;
    const signalProxy = (options?: SignalOptions): SignalProxy<T> =>
      createOperationProxy<SignalProxy<T>>((method, args) => this.signalEntity(id, operationOf(method), args[0], options));
    return {
      id,
      signal: signalProxy(),
      signalAt: (time) => signalProxy({ scheduledTime: time }),
      call: createOperationProxy<CallProxy<T>>((method, args) => this.callEntity(id, operationOf(method), args[0])),
      read: () => this.readEntityState<T>(id),
      state$: entitySnapshots$(this.deps.engine, id).pipe(
        filter((snapshot) => snapshot.exists),
        map((snapshot) => this.instantiate(definition, snapshot) as T),
      ),
      delete: async () => {
        await this.callEntity(id, DELETE_OPERATION);
      },
    };
  }

  /**
   * The windows of a `@Windowed` entity class: the window a signal goes to, a key's windows
   * over a time range, and the current window as a stream (see {@link WindowsHandle}).
   *
   * @example
   * ```ts
   * await client.windows(ViewsPerMinute).window('shop/cart', new Date(event.time)).signal.add(1);
   * ```
   */
  windows<T extends object>(cls: Constructor<T>): WindowsHandle<T> {
    return windowsOf(this, cls, this.deps.registry.entityOf(cls));
  }

  /** A typed handle on all entities of class `cls`: their change stream and listing. */
  entities<T extends object>(cls: Constructor<T>): EntityClassHandle<T> {
    const definition = this.deps.registry.entityOf(cls);
    return {
      name: definition.name,
      changes$: nameSnapshots$(this.deps.engine, definition.name).pipe(map((snapshot) => this.toChange(definition, snapshot))) as Observable<EntityChange<T>>,
      list: (query) => this.listEntities({ ...query, name: definition.name }) as Promise<EntityListPage<T>>,
    };
  }

  /**
   * Every committed change of every entity named `name` (deletions included), from now on,
   * for callers that know an entity by name only (the command line, monitors). The state is
   * an instance of its class when the class is known here, plain JSON otherwise; with the
   * class at hand, `entities(Class).changes$` gives the same changes typed.
   *
   * @example
   * ```ts
   * client.entityChanges$('Counter').subscribe((change) => console.log(change.id.key, change.state));
   * ```
   */
  entityChanges$(name: string): Observable<EntityChange<unknown>> {
    const definition = this.definitionOf({ name, key: '_' });
    return nameSnapshots$(this.deps.engine, name).pipe(
      map((snapshot): EntityChange<unknown> => {
        if (definition) return this.toChange(definition, snapshot);
        return {
          id: snapshot.id,
          exists: snapshot.exists,
          ...(snapshot.exists ? { state: JSON.parse(snapshot.stateJson ?? 'null') as unknown } : {}),
          version: snapshot.version,
          lastModified: new Date(snapshot.lastModified),
        };
      }),
    );
  }

  /**
   * The committed state of the entity `id` now, then after each commit that changed it:
   * `{ entityExists: true, entityState }` (an instance of its class when the class is known
   * here) or `{ entityExists: false }` once deleted or while it does not exist yet.
   */
  entityState$<T = unknown>(id: EntityId): Observable<EntityStateResponse<T>> {
    const definition = this.definitionOf(id);
    return entitySnapshots$(this.deps.engine, { name: id.name, key: id.key }).pipe(
      map((snapshot): EntityStateResponse<T> => {
        if (!snapshot.exists) return { entityExists: false };
        const state = definition ? this.instantiate(definition, snapshot) : JSON.parse(snapshot.stateJson ?? 'null');
        return { entityExists: true, entityState: state as T };
      }),
    );
  }

  /**
   * The `202 Accepted` reply of the async HTTP pattern for a started instance: `Location`
   * and `Retry-After` headers and the management URLs (see {@link HttpManagementPayload}),
   * on the request's origin (a URL, or a fastify, Node.js or fetch request; `options.baseUrl`
   * overrides it) and carrying the key the request carried.
   *
   * @example
   * ```ts
   * server.post('/api/orchestrators/:name', async (request, reply) => {
   *   const handle = await client.startNew((request.params as { name: string }).name, request.body);
   *   const response = client.createCheckStatusResponse(request, handle.instanceId);
   *   return reply.code(response.status).headers(response.headers).send(response.body);
   * });
   * ```
   */
  createCheckStatusResponse(request: HttpRequestLike, instanceId: string, options?: HttpManagementOptions): CheckStatusResponse {
    return checkStatusResponse(request, instanceId, options);
  }

  /**
   * The management URLs of an instance without a request: under `options.baseUrl`, or the
   * URL of the first `serveHttp` server started with this client. They carry `options.key`.
   */
  createHttpManagementPayload(instanceId: string, options: HttpManagementOptions = {}): HttpManagementPayload {
    const baseUrl = options.baseUrl ?? this.webhookBaseUrl;
    if (baseUrl === undefined) {
      throw new InvalidOptionsError(
        `createHttpManagementPayload does not know where the HTTP API is served: pass { baseUrl: 'http://host:port/runtime/webhooks/durabletask' } or start serveHttp with this client first.`,
      );
    }
    return managementPayload(baseUrl, instanceId, options.key, options.returnInternalServerErrorOnFailure);
  }

  /**
   * Sets where management URLs point when no request or `baseUrl` says otherwise, unless
   * already set. `serveHttp` calls it with its own URL.
   */
  useWebhookBaseUrl(baseUrl: string): void {
    this.webhookBaseUrl ??= baseUrl;
  }

  /** Sends operation `operation` one way; resolves once it is durably enqueued. */
  signalEntity(id: EntityId, operation: string, input?: unknown, options?: SignalOptions): Promise<void> {
    try {
      const scheduledTime = scheduledTimeMs(options?.scheduledTime);
      if (scheduledTime !== undefined) {
        this.burst.flush();
        return this.sendSignals([this.message('signal', id, operation, input, scheduledTime)]);
      }
      if (this.burst.isOpen && typeof id === 'object' && id !== null) {
        // A signal like the one before it (same entity, same mergeable operation) joins its burst.
        const joined = this.burst.join(id, operation, () => (input === undefined ? undefined : toPlain(input, `input of ${id.name}.${operation}`)));
        if (joined) return joined;
      }
      const definition = this.definitionOf(id);
      const message = this.messageFor(definition, 'signal', id, operation, input, undefined);
      const merge = operation === DELETE_OPERATION ? undefined : definition?.operations.get(operation)?.merge;
      if (merge) return this.burst.start(message, merge);
      this.burst.flush();
      return this.sendSignals([message]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends a batch of one-way operations (to any entities, any operations) in one go: one
   * durable write on the embedded engine, publishes pipelined on one connection on NATS.
   * Resolves once every signal is durably enqueued. Every item is validated first: a bad
   * item throws and nothing is sent. Per entity, the batch's signals keep their order.
   *
   * @example
   * ```ts
   * await client.signalMany(events.map((e) => ({ id: { name: 'PageCounter', key: e.page }, operation: 'add', input: 1 })));
   * ```
   */
  signalMany(items: readonly SignalManyItem[]): Promise<void> {
    try {
      assertSignalManyItems(items);
      if (items.length === 0) return Promise.resolve();
      this.burst.flush();
      return this.sendSignals(items.map((item) => this.message('signal', item.id, item.operation, item.input, undefined)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Calls operation `operation` and resolves with its result once it is committed. */
  async callEntity<R = unknown>(id: EntityId, operation: string, input?: unknown): Promise<R> {
    const message = this.message('call', id, operation, input, undefined);
    this.burst.flush();
    return telemetry().client('call', [message], async () => {
      const reply = await this.deps.engine.call(message);
      if (reply.ok) return reply.value as R;
      throw new OperationFailedError(`${id.name}/${id.key}.${operation}`, reply.error.name, reply.error.message, reply.error.code);
    });
  }

  /**
   * The committed state of an entity (an instance of its class), the orchestration holding
   * its lock, the messages queued behind that lock, and the time of its last committed change.
   * An entity that has no state can still be locked.
   */
  async readEntityState<T = unknown>(id: EntityId): Promise<EntityReadResponse<T>> {
    const definition = this.definitionOf(id);
    const snapshot = await this.deps.engine.readSnapshot({ name: id.name, key: id.key });
    if (!snapshot) return { entityExists: false, backlogQueueSize: 0 };
    // Version 0: the entity never had state (only a stored position, or a lock), so no change to date.
    const metadata = { ...lockInfo(snapshot), ...(snapshot.version > 0 ? { lastModifiedTime: new Date(snapshot.lastModified) } : {}) };
    if (!snapshot.exists) return { entityExists: false, ...metadata };
    const state = definition ? this.instantiate(definition, snapshot) : JSON.parse(snapshot.stateJson ?? 'null');
    return { entityExists: true, entityState: state as T, ...metadata };
  }

  /**
   * Existing entities, optionally of one name, with keys starting with `keyPrefix`, and last
   * operated on in a time range, a page at a time, in key order.
   */
  async listEntities(query: ListEntitiesQuery = {}): Promise<EntityListPage> {
    const pageSize = pageSizeOf(query.pageSize);
    const page = await this.deps.engine.listSnapshots({
      ...(query.name === undefined ? {} : { name: this.definitionOf({ name: query.name, key: '_' })?.name ?? query.name }),
      ...(query.keyPrefix === undefined ? {} : { keyPrefix: checkKeyPrefix(query.keyPrefix) }),
      ...(query.lastOperationFrom ? { lastModifiedFrom: query.lastOperationFrom.getTime() } : {}),
      ...(query.lastOperationTo ? { lastModifiedTo: query.lastOperationTo.getTime() } : {}),
      ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
      pageSize,
    });
    const fetchState = query.fetchState ?? true;
    // Built-in targets (orchestration instances) are listed with listInstances, not here.
    const entities = page.snapshots
      .filter((snapshot) => !snapshot.id.name.startsWith(BUILT_IN_PREFIX))
      .map((snapshot): EntityMetadata => {
        const lastModified = new Date(snapshot.lastModified);
        const metadata = { id: snapshot.id, lastOperationTime: lastModified, lastModifiedTime: lastModified, ...lockInfo(snapshot) };
        if (!fetchState) return metadata;
        const owner = this.deps.registry.hasEntity(snapshot.id.name) ? this.deps.registry.entityNamed(snapshot.id.name) : undefined;
        return { ...metadata, state: owner ? this.instantiate(owner, snapshot) : JSON.parse(snapshot.stateJson ?? 'null') };
      });
    return { entities, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
  }

  /**
   * The hub's dead letters: messages a NATS worker could not decode or run (an entity or
   * operation it does not host, a malformed body), with the reason. List and inspect them,
   * replay them to their original subjects once a worker can run them, or purge them.
   *
   * @throws {@link InvalidOptionsError} on the embedded engine, which keeps none.
   * @example
   * ```ts
   * for (const letter of await client.deadLetters.list()) console.log(letter.seq, letter.reason);
   * await client.deadLetters.replay({ all: true });
   * ```
   */
  get deadLetters(): DeadLetters {
    const deadLetters = this.deps.engine.deadLetters;
    if (!deadLetters)
      throw new InvalidOptionsError('Dead letters exist only on the NATS engine: the embedded engine builds its messages in-process and keeps none.');
    return deadLetters;
  }

  private message(kind: OperationKind, id: EntityId, operation: string, input: unknown, scheduledTime: number | undefined): OperationMessage {
    return this.messageFor(this.definitionOf(id), kind, id, operation, input, scheduledTime);
  }

  private messageFor(
    definition: EntityDefinition | undefined,
    kind: OperationKind,
    id: EntityId,
    operation: string,
    input: unknown,
    scheduledTime: number | undefined,
  ): OperationMessage {
    if (definition && operation !== DELETE_OPERATION) Registry.operationOf(definition, operation);
    const plainInput = input === undefined ? undefined : toPlain(input, `input of ${id.name}.${operation}`);
    // One object shape for every message (JSON drops the undefined fields).
    return {
      id: `${this.clientId}.${++this.sequence}`,
      target: { name: id.name, key: id.key },
      operation,
      kind,
      input: plainInput,
      scheduledTime,
      seq: undefined,
    };
  }

  /**
   * The definition of the entity `id` names. A client-only process (open registry) may not
   * know the class: then only the name and key are checked, and the worker checks the rest.
   */
  private definitionOf(id: EntityId): EntityDefinition | undefined {
    if (typeof id !== 'object' || id === null) {
      throw new InvalidOptionsError(`An entity id must be an object { name, key }, got ${String(id)}.`);
    }
    const registry = this.deps.registry;
    if (typeof id.name === 'string' && id.name.startsWith(BUILT_IN_PREFIX)) {
      throw new InvalidEntityIdError(
        `'${id.name}' is not an entity name: names starting with '${BUILT_IN_PREFIX}' belong to the runtime. Use the orchestration API for orchestration instances.`,
      );
    }
    if (registry.open && !registry.hasEntity(id.name)) {
      if (typeof id.name !== 'string' || !isValidEntityName(id.name)) {
        throw new InvalidEntityIdError(`'${String(id.name)}' is not a valid entity name: use 1-64 letters, digits, '_' or '-'.`);
      }
      assertValidKey(id.name, id.key);
      return undefined;
    }
    const definition = registry.entityNamed(id.name);
    assertValidKey(definition.name, id.key);
    return definition;
  }

  private instantiate(definition: EntityDefinition, snapshot: EntitySnapshot): object {
    return assignPlain(this.deps.createInstance(definition.ctor), JSON.parse(snapshot.stateJson ?? '{}'));
  }

  private toChange(definition: EntityDefinition, snapshot: EntitySnapshot): EntityChange<object> {
    return {
      id: snapshot.id,
      exists: snapshot.exists,
      ...(snapshot.exists ? { state: this.instantiate(definition, snapshot) } : {}),
      version: snapshot.version,
      lastModified: new Date(snapshot.lastModified),
    };
  }
}

/** The lock an entity's snapshot records: its owner and the messages waiting behind it. */
function lockInfo(snapshot: EntitySnapshot): EntityLockInfo {
  return snapshot.lock ? { lockedBy: snapshot.lock.owner, backlogQueueSize: snapshot.lock.queue.length } : { backlogQueueSize: 0 };
}

function checkKeyPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw new InvalidOptionsError(`keyPrefix must be a string, got ${typeof prefix}.`);
  return prefix;
}
