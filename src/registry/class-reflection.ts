/** Helpers the registry uses to inspect decorated classes without running their code. */

/** The member `name` of a prototype chain, read from property descriptors so getters never run. */
export function findMethod(prototype: object, name: string): unknown {
  for (let p: object | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const descriptor = Object.getOwnPropertyDescriptor(p, name);
    if (descriptor) return descriptor.value;
  }
  return undefined;
}

/** Describes a value that should have been a class, for error messages. */
export function describeValue(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

const PLAIN_TYPES: ReadonlySet<Function> = new Set([Object, String, Number, Boolean, Array, Function, Promise, Symbol]);

/**
 * The class (or Date) a method declares for its parameter `index`, when the compiler emitted
 * `design:paramtypes`. Plain types need no conversion and give undefined.
 */
export function declaredParamType(prototype: object, methodName: string, index: number): Function | undefined {
  const types: Function[] | undefined = Reflect.getMetadata('design:paramtypes', prototype, methodName);
  const type = types?.[index];
  return type && !PLAIN_TYPES.has(type) ? type : undefined;
}
