import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { InvalidOptionsError } from '../errors';
import type { Constructor } from '../registry/entity-definition';
import { assertValidKey, type EntityId } from '../registry/entity-id';
import { Registry } from '../registry/registry';
import type { EntityContext, SignalOptions } from './entity-context';
import type { OperationMessage } from './messages';
import { createOperationProxy, type SignalProxy } from './operation-proxy';
import { toPlain } from './value-codec';

const MAX_PLAIN_ID_LENGTH = 80;

/** The {@link EntityContext} of one operation run; collects what the operation sends. */
export class OperationContext implements EntityContext {
  /** Signals sent by the operation; dropped if it fails. */
  readonly produced: OperationMessage[] = [];
  /** Set by {@link deleteState}. */
  deleted = false;
  private childLogger: Logger | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly source: OperationMessage,
    private readonly baseLogger: Logger,
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
    const definition = this.registry.entityNamed(id?.name);
    assertValidKey(definition.name, id.key);
    if (operation !== 'delete') Registry.operationOf(definition, operation);
    const scheduledTime = options?.scheduledTime;
    if (scheduledTime !== undefined && !(scheduledTime instanceof Date && Number.isFinite(scheduledTime.getTime()))) {
      throw new InvalidOptionsError(`scheduledTime must be a valid Date, got ${String(scheduledTime)}.`);
    }
    const plainInput = input === undefined ? undefined : toPlain(input, `input of ${definition.name}.${operation}`);
    this.produced.push({
      id: derivedMessageId(this.source.id, this.produced.length),
      target: { name: definition.name, key: id.key },
      operation,
      kind: 'signal',
      ...(plainInput === undefined ? {} : { input: plainInput }),
      ...(scheduledTime ? { scheduledTime: scheduledTime.getTime() } : {}),
    });
  }

  entity<T extends object>(cls: Constructor<T>, key: string): { readonly signal: SignalProxy<T> } {
    const name = this.registry.entityOf(cls).name;
    assertValidKey(name, key);
    return {
      signal: createOperationProxy<SignalProxy<T>>((operation, args) => {
        this.signalEntity({ name, key }, operation, args[0]);
        return Promise.resolve();
      }),
    };
  }

  deleteState(): void {
    this.deleted = true;
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
