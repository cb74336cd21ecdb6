import { decoratorOptions } from './decorator-options';
import { OPERATIONS_METADATA } from './constants';

/**
 * Combines two inputs of one operation into one. The contract: applying `op(a)` and then
 * `op(b)` leaves the entity exactly as applying `op(merge(a, b))` does. Inputs are the
 * plain JSON values that travel in messages (what `JSON.parse(JSON.stringify(input))`
 * gives), and the result must be one too.
 */
export type MergeFunction<I = any> = (a: I, b: I) => I;

/** Options of {@link Operation}. */
export interface OperationOptions<I = any> {
  /** The operation name clients use. Defaults to the method name. */
  name?: string;
  /**
   * Declares the operation mergeable: a run of consecutive signals of it from one sender
   * to one entity may be folded into one message whose input is `merge(a, b)` (see
   * {@link MergeFunction} for the contract). Sums, minimums, maximums, set unions and list
   * appends qualify; `set(x)` (keep the last) qualifies with `(a, b) => b`; anything that
   * reads the state to decide (`withdraw(n)` that refuses an overdraft) does not.
   *
   * @example
   * ```ts
   * @Operation({ merge: (a: number, b: number) => a + b })
   * add(n: number): void { this.views += n; }
   * ```
   */
  merge?: MergeFunction<I>;
  /**
   * Declares the operation read-only: it answers from the state without changing it. Such an
   * operation writes nothing when it runs (no snapshot, no change on the state streams, no
   * stored position), and it is refused with a `ReadOnlyOperationError` (its effects rolled
   * back) if it changes the state, deletes the entity, or sends signals or orchestrations.
   * On an entity that does not exist yet it sees the fresh state and leaves the entity absent.
   *
   * @example
   * ```ts
   * @Operation({ readOnly: true })
   * balance(): number { return this.amount; }
   * ```
   */
  readOnly?: boolean;
}

/** What `@Operation` records for one method. */
export interface OperationMetadata {
  readonly name: string;
  readonly methodName: string;
  /** The merge function given in the options; the registry validates it. */
  readonly merge?: unknown;
  /** The `readOnly` option as given; the registry validates it. */
  readonly readOnly?: unknown;
}

/**
 * Marks an entity method as an operation clients can `signal` or `call`. An operation
 * takes at most one input and may return a value (or a promise of one).
 *
 * @example
 * ```ts
 * @Operation() add(amount: number): void { this.value += amount; }
 * @Operation('get') current(): number { return this.value; }
 * @Operation({ merge: (a: number, b: number) => a + b }) inc(n: number): void { this.value += n; }
 * @Operation({ readOnly: true }) total(): number { return this.value; }
 * ```
 */
export function Operation<I = any>(nameOrOptions?: string | OperationOptions<I>): MethodDecorator {
  const options = decoratorOptions<OperationOptions<I>>(nameOrOptions);
  return (target, propertyKey) => {
    const methodName = String(propertyKey);
    const ctor = target.constructor;
    const existing: OperationMetadata[] = Reflect.getOwnMetadata(OPERATIONS_METADATA, ctor) ?? [];
    const metadata: OperationMetadata = {
      name: options.name ?? methodName,
      methodName,
      ...('merge' in options ? { merge: options.merge } : {}),
      ...('readOnly' in options ? { readOnly: options.readOnly } : {}),
    };
    Reflect.defineMetadata(OPERATIONS_METADATA, [...existing, metadata], ctor);
  };
}
