import { scheduledTimeMs } from './scheduled-time';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { InvalidEntityIdError, OutsideOperationError, PayloadTooLargeError } from '../errors';
import type { Constructor } from '../registry/entity-definition';
import { assertValidKey, type EntityId } from '../registry/entity-id';
import { BUILT_IN_PREFIX, Registry } from '../registry/registry';
import type { ScopedEntityContext, SignalOptions, StartOrchestrationFromEntityOptions } from './entity-context';
import type { OperationMessage } from './messages';
import { createOperationProxy, type DeferredSignalProxy } from './operation-proxy';
import { toPlain } from './value-codec';
import { assertValidInstanceId, deterministicUuid, executionStarted } from './orchestration/orchestration-ids';
import { instanceMessage, InstanceOperation, type StartInput } from './orchestration/orchestration-target';

const MAX_PLAIN_ID_LENGTH = 80;

/** The entity context of one operation run; collects what the operation sends until it ends. */
export class OperationContext implements ScopedEntityContext {
  /** Signals sent by the operation; dropped if it fails. */
  readonly produced: OperationMessage[] = [];
  /** Set by {@link deleteState}. */
  deleted = false;
  /** False once the operation has returned (or thrown). */
  active = true;
  private childLogger: Logger | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly source: OperationMessage,
    private readonly baseLogger: Logger,
    /** The engine's largest message, if it has one. */
    private readonly maxMessageBytes?: number,
  ) {}

  get entityId(): EntityId {
    return this.source.target;
  }

  get operationName(): string {
    return this.source.operation;
  }

  get logger(): Logger {
    this.childLogger ??= this.baseLogger.child({ entity: this.source.target.name, key: this.source.target.key, operation: this.source.operation });
    return this.childLogger;
  }

  signalEntity(id: EntityId, operation: string, input?: unknown, options?: SignalOptions): void {
    this.assertActive('signalEntity()');
    if (typeof id?.name === 'string' && id.name.startsWith(BUILT_IN_PREFIX)) {
      throw new InvalidEntityIdError(`'${id.name}' is not an entity name: names starting with '${BUILT_IN_PREFIX}' belong to the runtime.`);
    }
    const definition = this.registry.entityNamed(id?.name);
    assertValidKey(definition.name, id.key);
    if (operation !== 'delete') Registry.operationOf(definition, operation);
    const scheduledTime = scheduledTimeMs(options?.scheduledTime);
    const plainInput = input === undefined ? undefined : toPlain(input, `input of ${definition.name}.${operation}`);
    const message: OperationMessage = {
      id: derivedMessageId(this.source.id, this.produced.length),
      target: { name: definition.name, key: id.key },
      operation,
      kind: 'signal',
      ...(plainInput === undefined ? {} : { input: plainInput }),
      ...(scheduledTime === undefined ? {} : { scheduledTime }),
    };
    checkMessageSize(message, this.maxMessageBytes, `The signal to ${definition.name}/${id.key}.${operation}`);
    this.produced.push(message);
  }

  entity<T extends object>(cls: Constructor<T>, key: string): { readonly signal: DeferredSignalProxy<T>; signalAt(time: Date): DeferredSignalProxy<T> } {
    const definition = this.registry.entityOf(cls);
    assertValidKey(definition.name, key);
    const proxy = (options?: SignalOptions): DeferredSignalProxy<T> =>
      createOperationProxy<DeferredSignalProxy<T>>((method, args) => {
        this.signalEntity({ name: definition.name, key }, definition.operationsByMethod.get(method) ?? method, args[0], options);
      });
    return { signal: proxy(), signalAt: (time) => proxy({ scheduledTime: time }) };
  }

  /** The message this operation runs for. */
  get message(): OperationMessage {
    return this.source;
  }

  /**
   * Sends an already-built message with the operation's outcome (for the runtime's built-in
   * targets, whose messages are not entity signals). Dropped, like signals, if the operation fails.
   */
  emit(message: OperationMessage): void {
    this.assertActive('emit()');
    this.produced.push(message);
  }

  startNewOrchestration(orchestrator: Function | string, input?: unknown, options?: StartOrchestrationFromEntityOptions): string {
    this.assertActive('startNewOrchestration()');
    const name = typeof orchestrator === 'string' ? this.registry.orchestratorNamed(orchestrator).name : this.registry.orchestratorOf(orchestrator).name;
    const messageId = derivedMessageId(this.source.id, this.produced.length);
    const instanceId = options?.instanceId ?? deterministicUuid(`${messageId}:instance`);
    assertValidInstanceId(instanceId);
    const plainInput = input === undefined ? undefined : toPlain(input, `input of orchestrator '${name}'`);
    // Derived from the operation, so a re-run starts the same execution (and its duplicate is dropped).
    const started = executionStarted({ name, input: plainInput, executionId: deterministicUuid(`${messageId}:execution`) });
    const start: StartInput = { started };
    const message = instanceMessage(messageId, instanceId, InstanceOperation.start, 'signal', start);
    checkMessageSize(message, this.maxMessageBytes, `The start of orchestrator '${name}'`);
    this.produced.push(message);
    return instanceId;
  }

  deleteState(): void {
    this.assertActive('deleteState()');
    this.deleted = true;
  }

  private assertActive(what: string): void {
    if (!this.active) throw new OutsideOperationError(what);
  }
}

/**
 * The id of the n-th message an operation sends. Deterministic, so a re-run or a
 * redelivery produces the same id and receivers can drop the duplicate.
 */
export function derivedMessageId(sourceId: string, index: number): string {
  const id = `${sourceId}>${index}`;
  return id.length <= MAX_PLAIN_ID_LENGTH ? id : `h:${createHash('sha1').update(id).digest('base64url')}`;
}

/**
 * Throws a {@link PayloadTooLargeError} when `value` would not fit in one engine message,
 * so the operation that made it fails (and rolls back) instead of its commit failing.
 */
export function checkMessageSize(value: unknown, limit: number | undefined, what: string): void {
  if (limit === undefined) return;
  const json = JSON.stringify(value) ?? '';
  if (json.length * 3 <= limit) return;
  const bytes = Buffer.byteLength(json);
  if (bytes > limit) throw new PayloadTooLargeError(bytes, limit, what);
}
