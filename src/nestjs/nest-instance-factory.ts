import { Scope } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { Exclude } from 'class-transformer';
import { DefinitionError } from '../errors';
import type { Constructor, ResolveInstance } from '../index';
import type { CollectedClasses } from './class-collector';
import { injectionPoints, tokenName, type InjectionPoint } from './injection-tokens';

/**
 * Creates entity, orchestrator and activity instances with their dependencies from Nest.
 *
 * jetstate needs a new instance synchronously whenever it loads an entity key or runs an
 * activity, while Nest creates providers asynchronously and once. So at start-up
 * ({@link prepare}) each class's dependencies are looked up in Nest's container once, and
 * every instance afterwards is `new Class(...dependencies)`. The dependencies must
 * therefore live as long as the app: singletons (the default scope) are shared by every
 * instance; a transient provider is created once per class; a request-scoped one cannot
 * work and is refused.
 */
export class NestInstanceFactory {
  private readonly factories = new Map<Function, () => object>();
  private prepared = false;

  /** The `resolve` hook handed to `DurableApp.create`. */
  readonly resolve: ResolveInstance = <T>(cls: Constructor<T>): T => {
    const factory = this.factories.get(cls);
    if (factory) return factory() as T;
    if (!this.prepared) {
      throw new DefinitionError(
        `${cls.name} was needed before Nest initialised the app. Use the DurableClient after app.init() ` +
          `(or in onApplicationBootstrap), not in a constructor or onModuleInit.`,
      );
    }
    return new (cls as new () => T)();
  };

  /** Looks up every class's dependencies in Nest's container; throws a {@link DefinitionError} naming what is missing. */
  async prepare(classes: CollectedClasses, moduleRef: ModuleRef): Promise<void> {
    for (const cls of [...classes.entities, ...classes.orchestrators, ...classes.activities]) {
      if (this.factories.has(cls)) continue;
      this.factories.set(cls, await buildFactory(cls, moduleRef, classes.entities.includes(cls)));
    }
    this.prepared = true;
  }
}

async function buildFactory(cls: Function, moduleRef: ModuleRef, isEntity: boolean): Promise<() => object> {
  const points = injectionPoints(cls);
  const values: unknown[] = [];
  for (const point of points) values.push(await resolveDependency(cls, point, moduleRef));
  const create = (): object => {
    const args: unknown[] = [];
    const properties: [string | symbol, unknown][] = [];
    points.forEach((point, i) => {
      if ('index' in point.target) args[point.target.index] = values[i];
      else properties.push([point.target.key, values[i]]);
    });
    const instance = new (cls as new (...args: unknown[]) => object)(...args) as Record<string | symbol, unknown>;
    for (const [key, value] of properties) instance[key] = value;
    for (const key of hidden) Object.defineProperty(instance, key, { enumerable: false });
    return instance;
  };
  let hidden: string[] = [];
  if (isEntity) hidden = excludeInjectedFields(cls, create(), values);
  return create;
}

async function resolveDependency(cls: Function, point: InjectionPoint, moduleRef: ModuleRef): Promise<unknown> {
  const { token, where } = point;
  if (token === undefined || token === Object) {
    throw new DefinitionError(
      `Nest cannot tell what to inject as ${where} of ${cls.name}: ` +
        (token === undefined
          ? `the class has no parameter type for it. TypeScript records constructor parameter types only on a class that has a ` +
            `class decorator and only with emitDecoratorMetadata: add @Injectable() to ${cls.name} (activity classes have no other), ` +
            `compile with emitDecoratorMetadata (tsc, or SWC with decoratorMetadata), or mark the parameter with @Inject(token). ` +
            `With a circular import the type is undefined: use @Inject(forwardRef(() => Type)).`
          : `its type is an interface or a type that is not a class. Mark it with @Inject(token).`),
    );
  }
  let scope: Scope;
  try {
    scope = moduleRef.introspect(token as string).scope ?? Scope.DEFAULT;
  } catch (error) {
    if (point.optional) return undefined;
    throw new DefinitionError(
      `Nest cannot resolve ${tokenName(token)}, ${where} of ${cls.name}: no module of the app provides it. ` +
        `Add ${tokenName(token)} to the providers of a module of the app (any module: dependencies of jetstate classes are looked up in the whole app), ` +
        `or mark the parameter with @Optional(). Nest said: ${(error as Error).message}`,
    );
  }
  if (scope === Scope.REQUEST) {
    throw new DefinitionError(
      `${tokenName(token)}, ${where} of ${cls.name}, is request-scoped (or depends on a request-scoped provider), but ${cls.name} ` +
        `outlives requests: jetstate creates its instances outside any request. Make ${tokenName(token)} a singleton (the default scope), ` +
        `or pass what you need from the request as the operation's input.`,
    );
  }
  if (scope === Scope.TRANSIENT) return moduleRef.resolve(token as string, undefined, { strict: false });
  return moduleRef.get(token as string, { strict: false });
}

/**
 * An entity's state is its own fields, so a field that holds an injected service would be
 * stored with the state (and restored over the service). Fields of a sample instance that
 * hold one of the injected objects are marked `@Exclude()` so they stay out of the state,
 * and made non-enumerable on every instance so that `JSON.stringify(entity)` (a controller
 * returning `state$` values) leaves them out too. Returns their names.
 */
function excludeInjectedFields(cls: Function, sample: object, injected: readonly unknown[]): string[] {
  const services = new Set<unknown>(injected.filter((value) => (typeof value === 'object' && value !== null) || typeof value === 'function'));
  const keys = Object.keys(sample).filter((key) => services.has((sample as Record<string, unknown>)[key]));
  for (const key of keys) Exclude()(cls.prototype as object, key);
  return keys;
}
