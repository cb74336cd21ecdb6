import { DecoratorMetadata, type ActivityMetadata } from '../../decorators';
import { DefinitionError } from '../errors';
import { declaredParamType, describeValue, findMethod } from './class-reflection';
import type { Constructor } from './entity-definition';

/** A validated, frozen activity: one method of an activity class. */
export interface ActivityDefinition {
  /** The name orchestrators call it by: `ClassName.method` unless given. */
  readonly name: string;
  readonly ctor: Constructor;
  readonly methodName: string;
  /** The class (or Date) the method declares for its input, when `design:paramtypes` was emitted. */
  readonly inputType?: Function;
}

/** A validated, frozen class of activities. */
export interface ActivityClassDefinition {
  readonly ctor: Constructor;
  /** The class's activities by method name: typed proxies name methods, tasks name activities. */
  readonly byMethod: ReadonlyMap<string, ActivityDefinition>;
}

const MAX_ACTIVITY_NAME_LENGTH = 200;
const ACTIVITY_NAME_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z_$][A-Za-z0-9_$-]*)*$/;

/** True when `name` can be an activity name: dot-separated identifiers (`-` allowed), at most 200 characters. */
export function isValidActivityName(name: string): boolean {
  return name.length <= MAX_ACTIVITY_NAME_LENGTH && ACTIVITY_NAME_PATTERN.test(name);
}

/** Reads and validates the `@Activity` methods of `cls`; throws a {@link DefinitionError} with a fix. */
export function readActivityClass(cls: unknown): ActivityClassDefinition {
  if (typeof cls !== 'function') {
    throw new DefinitionError(`activities must contain classes, got ${describeValue(cls)}.`);
  }
  if (DecoratorMetadata.isEntity(cls) || DecoratorMetadata.isOrchestrator(cls)) {
    throw new DefinitionError(
      `${cls.name} is an ${DecoratorMetadata.isEntity(cls) ? 'entity' : 'orchestrator'} and cannot be listed in activities. ` +
        `Put activities on a plain class of their own.`,
    );
  }
  const byMethod = new Map<string, ActivityDefinition>();
  const names = new Set<string>();
  // Walk the prototype chain so activities declared on a base class are inherited.
  for (const c of DecoratorMetadata.lineage(cls)) {
    const declared = DecoratorMetadata.activities(c);
    for (const meta of declared) {
      if (byMethod.has(meta.methodName)) continue; // a subclass overrides its base
      const definition = readActivity(cls, meta);
      if (names.has(definition.name)) {
        throw new DefinitionError(`${cls.name} declares activity '${definition.name}' on two methods. Give each activity its own name.`);
      }
      names.add(definition.name);
      byMethod.set(meta.methodName, definition);
    }
  }
  if (byMethod.size === 0) {
    throw new DefinitionError(`${cls.name || 'An anonymous class'} is listed in activities but has no @Activity() methods. Mark its methods with @Activity().`);
  }
  return Object.freeze({ ctor: cls as Constructor, byMethod });
}

function readActivity(cls: Function, meta: ActivityMetadata): ActivityDefinition {
  if (meta.isStatic) {
    throw new DefinitionError(`@Activity() on static ${cls.name}.${meta.methodName} is not supported: activities are instance methods. Remove 'static'.`);
  }
  const name = meta.name ?? `${cls.name}.${meta.methodName}`;
  if (!isValidActivityName(name)) {
    throw new DefinitionError(
      `Activity name '${name}' (${cls.name}.${meta.methodName}) is not valid: use identifiers (letters, digits, '_', '$' or '-') ` +
        `separated by dots, at most ${MAX_ACTIVITY_NAME_LENGTH} characters.`,
    );
  }
  const method = findMethod(cls.prototype as object, meta.methodName);
  if (typeof method !== 'function') {
    throw new DefinitionError(`@Activity() on ${cls.name}.${meta.methodName} must decorate a method.`);
  }
  if (method.length > 1) {
    throw new DefinitionError(
      `Activity ${cls.name}.${meta.methodName} declares ${method.length} parameters; activities take at most one input. ` +
        `Pass several values as one object, e.g. charge({ orderId, amount }).`,
    );
  }
  const inputType = declaredParamType(cls.prototype as object, meta.methodName, 0);
  return Object.freeze({ name, ctor: cls as Constructor, methodName: meta.methodName, ...(inputType ? { inputType } : {}) });
}
