import { RESERVED_OPERATION_NAMES } from '../registry/entity-definition';

/** Keys of `T` whose values are methods: the candidate operations. */
export type OperationNames<T> = {
  [K in keyof T]-?: T[K] extends (...args: any[]) => unknown ? (K extends string ? K : never) : never;
}[keyof T];

/** The input parameters of operation `K` of `T` (none or one). */
export type OperationArgs<T, K extends OperationNames<T>> = T[K] extends (...args: infer A) => unknown ? A : never;

/** The resolved result type of operation `K` of `T`. */
export type OperationResult<T, K extends OperationNames<T>> = T[K] extends (...args: any[]) => infer R ? Awaited<R> : never;

/**
 * One-way proxy: every operation of `T` becomes a method returning `Promise<void>`, which
 * resolves once the operation is durably enqueued.
 *
 * @example
 * ```ts
 * await app.client.entity(Counter, 'visits').signal.add(5);
 * ```
 */
export type SignalProxy<T> = {
  readonly [K in OperationNames<T>]: (...args: OperationArgs<T, K>) => Promise<void>;
};

/**
 * The one-way proxy an operation gets from `entityContext().entity(...)`: every operation
 * of `T` becomes a method that queues the signal and returns nothing. Queued signals are
 * sent when the running operation commits, atomically with its state, and dropped if it
 * fails, so there is nothing to await.
 *
 * @example
 * ```ts
 * entityContext().entity(Counter, 'totals').signal.add(amount);
 * ```
 */
export type DeferredSignalProxy<T> = {
  readonly [K in OperationNames<T>]: (...args: OperationArgs<T, K>) => void;
};

/**
 * Request/response proxy: every operation of `T` becomes a method returning a promise of
 * its result, settled after the operation is committed.
 *
 * @example
 * ```ts
 * const n: number = await app.client.entity(Counter, 'visits').call.get();
 * ```
 */
export type CallProxy<T> = {
  readonly [K in OperationNames<T>]: (...args: OperationArgs<T, K>) => Promise<OperationResult<T, K>>;
};

/**
 * Builds a proxy whose properties are operation senders. `then`, `toJSON`, the names of
 * `Object.prototype` members and symbol keys are never operations, so awaiting, printing
 * or serializing a proxy sends nothing.
 */
export function createOperationProxy<P extends object>(send: (operation: string, args: readonly unknown[]) => unknown): P {
  const cache = new Map<string, (...args: unknown[]) => unknown>();
  return new Proxy(Object.create(null) as P, {
    get(_target, property) {
      if (typeof property !== 'string') return undefined;
      // Reserved names behave as on a plain object: String(proxy) is '[object Object]', awaiting it is a no-op.
      if (RESERVED_OPERATION_NAMES.has(property)) return (Object.prototype as unknown as Record<string, unknown>)[property];
      let sender = cache.get(property);
      if (!sender) {
        sender = (...args: unknown[]) => send(property, args);
        cache.set(property, sender);
      }
      return sender;
    },
  });
}
