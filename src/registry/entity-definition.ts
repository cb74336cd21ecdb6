import type { RollUpDefinition } from './roll-up-definition';
import type { WindowDefinition } from './window-definition';

/** Any class with a no-argument-compatible constructor. */
export type Constructor<T = object> = new (...args: never[]) => T;

/** A validated, frozen operation of an entity. */
export interface OperationDefinition {
  readonly name: string;
  readonly methodName: string;
  /** The class (or Date) the method declares for its input, when `design:paramtypes` was emitted. */
  readonly inputType?: Function;
  /** True for `async` methods and methods declared to return a Promise: they get a context that survives awaits. */
  readonly isAsync: boolean;
  /**
   * Present on mergeable operations: combines two inputs (plain JSON values) into one, so
   * that `op(a)` then `op(b)` equals `op(merge(a, b))`.
   */
  readonly merge?: (a: unknown, b: unknown) => unknown;
  /** True on read-only operations: they commit nothing, and are refused if they change the state. */
  readonly readOnly?: boolean;
}

/** A validated, frozen entity class. */
export interface EntityDefinition<T extends object = object> {
  readonly name: string;
  readonly ctor: Constructor<T>;
  readonly operations: ReadonlyMap<string, OperationDefinition>;
  /** Operation names by method name: typed proxies name methods, messages name operations. */
  readonly operationsByMethod: ReadonlyMap<string, string>;
  /**
   * The state is plain JSON data already (the runtime's built-in targets): it is stored
   * with `JSON.stringify` and restored with `Object.assign`, without class-transformer.
   */
  readonly plainState?: boolean;
  /** Where this entity's changes roll up (`@RollUp`). */
  readonly rollUp?: RollUpDefinition;
  /** Set on windowed aggregates (`@Windowed`): every key is one window. */
  readonly window?: WindowDefinition;
  /** Set by `@Entity({ idleRetentionMs })`: entities whose state has not changed for this long are deleted. */
  readonly idleRetentionMs?: number;
}

/** The operation every entity has: it deletes the entity's state. */
export const DELETE_OPERATION = 'delete';

/**
 * Names that are never operations: `then` (an awaited proxy must not be a thenable), `toJSON`
 * and the members of `Object.prototype`. The registry refuses them as operation names, and a
 * typed proxy answers them as a plain object would, so awaiting, printing or serializing one
 * sends nothing.
 */
export const RESERVED_OPERATION_NAMES: ReadonlySet<string> = new Set(['then', 'toJSON', ...Object.getOwnPropertyNames(Object.prototype)]);
