import { OPERATIONS_METADATA } from './constants';

/** Options of {@link Operation}. */
export interface OperationOptions {
  /** The operation name clients use. Defaults to the method name. */
  name?: string;
}

/** What `@Operation` records for one method. */
export interface OperationMetadata {
  readonly name: string;
  readonly methodName: string;
}

/**
 * Marks an entity method as an operation clients can `signal` or `call`. An operation
 * takes at most one input and may return a value (or a promise of one).
 *
 * @example
 * ```ts
 * @Operation() add(amount: number): void { this.value += amount; }
 * @Operation('get') current(): number { return this.value; }
 * ```
 */
export function Operation(nameOrOptions?: string | OperationOptions): MethodDecorator {
  const options = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : (nameOrOptions ?? {});
  return (target, propertyKey) => {
    const methodName = String(propertyKey);
    const ctor = target.constructor;
    const existing: OperationMetadata[] = Reflect.getOwnMetadata(OPERATIONS_METADATA, ctor) ?? [];
    const metadata: OperationMetadata = { name: options.name ?? methodName, methodName };
    Reflect.defineMetadata(OPERATIONS_METADATA, [...existing, metadata], ctor);
  };
}
