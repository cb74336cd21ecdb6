import { DecoratorMetadata } from '../../decorators';
import { DefinitionError } from '../errors';
import type { EntityDefinition } from './entity-definition';
import type { RollUpDefinition } from './roll-up-definition';

/**
 * Attaches each entity's `@RollUp` to its definition, once every entity of the app is
 * known: the parent must be registered and its operation mergeable.
 */
export function withRollUps(definitions: readonly EntityDefinition[]): EntityDefinition[] {
  const byClass = new Map<Function, EntityDefinition>(definitions.map((d) => [d.ctor, d]));
  return definitions.map((definition) => {
    const options = DecoratorMetadata.rollUp(definition.ctor);
    if (!options) return definition;
    const where = `The @RollUp of entity '${definition.name}'`;
    if (typeof options !== 'object' || typeof options.key !== 'function' || typeof options.value !== 'function' || typeof options.operation !== 'string') {
      throw new DefinitionError(`${where} needs { to, key: (childKey) => parentKey, operation: 'name', value: (child) => value, delta? }.`);
    }
    if (options.delta !== undefined && typeof options.delta !== 'function')
      throw new DefinitionError(`${where}: delta must be a function (before, after, childKey) => input, or left out.`);
    const parentClass = resolveClass(options.to);
    const parent = parentClass ? byClass.get(parentClass) : undefined;
    if (!parent) {
      throw new DefinitionError(
        `${where} names a parent that is not a registered entity class. Pass the class (or () => Class) as 'to', and list it in entities.`,
      );
    }
    const operation = parent.operations.get(options.operation);
    if (!operation?.merge) {
      throw new DefinitionError(
        `${where} sends '${options.operation}' to '${parent.name}', which ${operation ? 'is not mergeable' : 'has no such operation'}. ` +
          `Roll-ups fold their deltas, so the parent's operation must declare @Operation({ merge }).`,
      );
    }
    const rollUp: RollUpDefinition = Object.freeze({
      parent: parent.name,
      key: options.key,
      operation: options.operation,
      value: options.value as (child: object) => unknown,
      delta: (options.delta as RollUpDefinition['delta'] | undefined) ?? numericDelta,
    });
    return Object.freeze({ ...definition, rollUp });
  });
}

function resolveClass(to: unknown): Function | undefined {
  if (typeof to !== 'function') return undefined;
  if (DecoratorMetadata.isEntity(to)) return to;
  try {
    const resolved: unknown = (to as () => unknown)();
    return typeof resolved === 'function' ? resolved : undefined;
  } catch {
    return undefined;
  }
}

/** The default delta: the difference of two numbers, nothing when they are equal. */
function numericDelta(before: unknown, after: unknown): unknown {
  if (typeof before !== 'number' || typeof after !== 'number') {
    throw new TypeError(`A roll-up without a delta function needs a numeric value, got ${typeof before} and ${typeof after}. Give @RollUp a delta.`);
  }
  return after === before ? undefined : after - before;
}
