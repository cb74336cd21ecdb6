import { decoratorOptions } from './decorator-options';
import { ACTIVITIES_METADATA } from './constants';

/** Options of {@link Activity}. */
export interface ActivityOptions {
  /** The activity name orchestrators call. Defaults to `ClassName.method`. */
  name?: string;
}

/** What `@Activity` records for one method. */
export interface ActivityMetadata {
  readonly methodName: string;
  /** The name given in the options; the registry defaults it to `ClassName.method`. */
  readonly name?: string;
  /** True when the decorator was put on a static method, which the registry refuses. */
  readonly isStatic: boolean;
}

/**
 * Marks a method of a plain class as an activity: the unit of real work (I/O) an
 * orchestration schedules. An activity takes at most one input, may return a value (or a
 * promise of one), and runs at least once: make it idempotent.
 *
 * @example
 * ```ts
 * class Greeter {
 *   @Activity() async sayHello(city: string): Promise<string> { return `Hello ${city}!`; }
 *   @Activity('shout') loud(text: string): string { return text.toUpperCase(); }
 * }
 * ```
 */
export function Activity(nameOrOptions?: string | ActivityOptions): MethodDecorator {
  const options = decoratorOptions(nameOrOptions);
  return (target, propertyKey) => {
    const isStatic = typeof target === 'function';
    const owner = isStatic ? (target as Function) : target.constructor;
    const existing: ActivityMetadata[] = Reflect.getOwnMetadata(ACTIVITIES_METADATA, owner) ?? [];
    const metadata: ActivityMetadata = { methodName: String(propertyKey), isStatic, ...(options.name === undefined ? {} : { name: options.name }) };
    Reflect.defineMetadata(ACTIVITIES_METADATA, [...existing, metadata], owner);
  };
}
