import { randomBytes } from 'node:crypto';
import { type Observable, filter, map } from 'rxjs';
import { InvalidOptionsError, OperationFailedError } from '../errors';
import type { Engine } from '../engine/engine';
import { DELETE_OPERATION, type Constructor, type EntityDefinition } from '../registry/entity-definition';
import { assertValidKey, type EntityId } from '../registry/entity-id';
import { Registry } from '../registry/registry';
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
  EntityStateResponse,
  ListEntitiesQuery,
} from './entity-types';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 10_000;

/** What a {@link DurableClient} is built from. */
export interface DurableClientDependencies {
  readonly registry: Registry;
  readonly engine: Engine;
  readonly createInstance: (ctor: Constructor) => object;
}

/**
 * Reaches entities: typed handles (`entity`, `entities`) and the untyped, Durable
 * Functions style calls (`signalEntity`, `callEntity`, `readEntityState`, `listEntities`).
 * Everything is validated before it is sent: a bad request throws and enqueues nothing.
 */
export class DurableClient {
  private readonly clientId = randomBytes(9).toString('base64url');
  private sequence = 0;

  constructor(private readonly deps: DurableClientDependencies) {}

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
      read: () => this.readEntityState(id) as Promise<EntityStateResponse<T>>,
      state$: entitySnapshots$(this.deps.engine, id).pipe(
        filter((snapshot) => snapshot.exists),
        map((snapshot) => this.instantiate(definition, snapshot) as T),
      ),
      delete: async () => {
        await this.callEntity(id, DELETE_OPERATION);
      },
    };
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

  /** Sends operation `operation` one way; resolves once it is durably enqueued. */
  signalEntity(id: EntityId, operation: string, input?: unknown, options?: SignalOptions): Promise<void> {
    try {
      const scheduledTime = options?.scheduledTime;
      if (scheduledTime !== undefined && !(scheduledTime instanceof Date && Number.isFinite(scheduledTime.getTime()))) {
        throw new InvalidOptionsError(`scheduledTime must be a valid Date, got ${String(scheduledTime)}.`);
      }
      return this.deps.engine.send([this.message('signal', id, operation, input, scheduledTime?.getTime())]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Calls operation `operation` and resolves with its result once it is committed. */
  async callEntity<R = unknown>(id: EntityId, operation: string, input?: unknown): Promise<R> {
    const message = this.message('call', id, operation, input, undefined);
    const reply = await this.deps.engine.call(message);
    if (reply.ok) return reply.value as R;
    throw new OperationFailedError(`${id.name}/${id.key}.${operation}`, reply.error.name, reply.error.message, reply.error.code);
  }

  /** The committed state of an entity; the state is an instance of its class. */
  async readEntityState<T = unknown>(id: EntityId): Promise<EntityStateResponse<T>> {
    const definition = this.definitionOf(id);
    const snapshot = await this.deps.engine.readSnapshot({ name: definition.name, key: id.key });
    if (!snapshot?.exists) return { entityExists: false };
    return { entityExists: true, entityState: this.instantiate(definition, snapshot) as T };
  }

  /** Existing entities, optionally of one name and last operated on in a time range, a page at a time. */
  async listEntities(query: ListEntitiesQuery = {}): Promise<EntityListPage> {
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new InvalidOptionsError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${String(pageSize)}.`);
    }
    const definition = query.name === undefined ? undefined : this.deps.registry.entityNamed(query.name);
    const page = await this.deps.engine.listSnapshots({
      ...(definition ? { name: definition.name } : {}),
      ...(query.lastOperationFrom ? { lastModifiedFrom: query.lastOperationFrom.getTime() } : {}),
      ...(query.lastOperationTo ? { lastModifiedTo: query.lastOperationTo.getTime() } : {}),
      ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
      pageSize,
    });
    const fetchState = query.fetchState ?? true;
    const entities = page.snapshots.map((snapshot): EntityMetadata => {
      const metadata = { id: snapshot.id, lastOperationTime: new Date(snapshot.lastModified) };
      if (!fetchState) return metadata;
      const owner = this.deps.registry.hasEntity(snapshot.id.name) ? this.deps.registry.entityNamed(snapshot.id.name) : undefined;
      return { ...metadata, state: owner ? this.instantiate(owner, snapshot) : JSON.parse(snapshot.stateJson ?? 'null') };
    });
    return { entities, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
  }

  private message(kind: OperationKind, id: EntityId, operation: string, input: unknown, scheduledTime: number | undefined): OperationMessage {
    const definition = this.definitionOf(id);
    if (operation !== DELETE_OPERATION) Registry.operationOf(definition, operation);
    const plainInput = input === undefined ? undefined : toPlain(input, `input of ${definition.name}.${operation}`);
    // One object shape for every message (JSON drops the undefined fields).
    return {
      id: `${this.clientId}.${++this.sequence}`,
      target: { name: definition.name, key: id.key },
      operation,
      kind,
      input: plainInput,
      scheduledTime,
      seq: undefined,
    };
  }

  private definitionOf(id: EntityId): EntityDefinition {
    if (typeof id !== 'object' || id === null) {
      throw new InvalidOptionsError(`An entity id must be an object { name, key }, got ${String(id)}.`);
    }
    const definition = this.deps.registry.entityNamed(id.name);
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
