import type { EntityId } from '../registry/entity-id';
import type { OperationMessage } from './messages';

/** The built-in operation that locks an entity for a critical section. */
export const LOCK_OPERATION = '$lock';
/** The built-in operation that releases a lock. */
export const UNLOCK_OPERATION = '$unlock';

/** True for the built-in lock operations, which every entity accepts. */
export function isLockOperation(operation: string): boolean {
  return operation === LOCK_OPERATION || operation === UNLOCK_OPERATION;
}

/** The message sent once every entity of a critical section is locked. */
export interface LockGrant {
  readonly target: EntityId;
  readonly operation: string;
  readonly input?: unknown;
}

/**
 * The input of a `$lock` message. A critical section locks its entities one after the
 * other in a fixed (sorted) order: each entity, once locked, forwards the request to the
 * next, and the last one sends the grant. Everyone taking locks in the same order is what
 * rules out deadlock.
 */
export interface LockRequest {
  /** Who holds the section (an orchestration instance id). */
  readonly owner: string;
  /** Every entity of the section, in lock order. */
  readonly entities: readonly EntityId[];
  /** The position in `entities` of the entity this message locks. */
  readonly index: number;
  readonly grant: LockGrant;
}

/** The input of an `$unlock` message. */
export interface UnlockRequest {
  readonly owner: string;
}

/** What follows locking one entity: the request to the next entity, or the grant after the last. */
export function nextLockStep(message: OperationMessage, request: LockRequest): OperationMessage {
  const next = request.index + 1;
  if (next < request.entities.length) {
    return { id: `${message.id}>lock`, target: request.entities[next]!, operation: LOCK_OPERATION, kind: 'signal', input: { ...request, index: next } };
  }
  const grant = request.grant;
  return {
    id: `${message.id}>granted`,
    target: grant.target,
    operation: grant.operation,
    kind: 'signal',
    ...(grant.input === undefined ? {} : { input: grant.input }),
  };
}

/** Checks the shape of a `$lock` input. */
export function isLockRequest(input: unknown): input is LockRequest {
  const r = input as Partial<LockRequest> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.owner === 'string' &&
    Array.isArray(r.entities) &&
    Number.isInteger(r.index) &&
    r.index! >= 0 &&
    r.index! < r.entities.length &&
    typeof r.grant?.operation === 'string' &&
    typeof r.grant.target?.name === 'string'
  );
}
