import { DefinitionError } from '../errors';
import type { Constructor } from '../registry/entity-definition';

/** The user's dependency-injection hook: a new instance of the class it is given. */
export type ResolveInstance = <T>(cls: Constructor<T>) => T;

/**
 * Creates entity instances with `new cls()`, or with the user's `resolve` hook, checking
 * that the hook returns a new instance of the right class every time (a shared singleton
 * would make every key of the entity share one state).
 */
export function instanceFactory(resolve: ResolveInstance | undefined): (ctor: Constructor) => object {
  if (!resolve) return (ctor) => new (ctor as new () => object)();
  const handedOut = new WeakSet<object>();
  return (ctor) => {
    const instance = resolve(ctor) as object;
    if (!(instance instanceof ctor)) {
      throw new DefinitionError(`resolve(${ctor.name}) returned something that is not a ${ctor.name}. Return a new instance of the class you are given.`);
    }
    if (handedOut.has(instance)) {
      throw new DefinitionError(
        `resolve(${ctor.name}) returned an instance it had returned before. Every entity needs its own instance: ` +
          `register the class with a transient scope (a new instance per request).`,
      );
    }
    handedOut.add(instance);
    return instance;
  };
}
