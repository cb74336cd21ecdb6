import { DecoratorMetadata } from '../../decorators';
import { DefinitionError } from '../errors';
import { declaredParamType, describeValue, findMethod } from './class-reflection';
import type { Constructor } from './entity-definition';
import { isValidEntityName } from './entity-id';

/** A validated, frozen orchestrator class. */
export interface OrchestratorDefinition {
  readonly name: string;
  readonly ctor: Constructor;
  /** The class (or Date) `run` declares for its input, when `design:paramtypes` was emitted. */
  readonly inputType?: Function;
}

/** The method every orchestrator class has. */
export const RUN_METHOD = 'run';

/** True when `name` can be an orchestrator name (same rules as entity names). */
export function isValidOrchestratorName(name: string): boolean {
  return isValidEntityName(name);
}

/** Reads and validates the `@Orchestrator` metadata of `cls`; throws a {@link DefinitionError} with a fix. */
export function readOrchestrator(cls: unknown): OrchestratorDefinition {
  if (typeof cls !== 'function') {
    throw new DefinitionError(`orchestrators must contain classes, got ${describeValue(cls)}.`);
  }
  const meta = DecoratorMetadata.orchestrator(cls);
  if (!meta) {
    throw new DefinitionError(
      `${cls.name || 'An anonymous class'} is listed in orchestrators but has no @Orchestrator() decorator. Add @Orchestrator() to the class.`,
    );
  }
  if (!isValidOrchestratorName(meta.name)) {
    throw new DefinitionError(
      `Orchestrator name '${meta.name}' (class ${cls.name}) is not valid: use 1-64 letters, digits, '_' or '-', starting with a letter or '_'.`,
    );
  }
  if (DecoratorMetadata.isEntity(cls)) {
    throw new DefinitionError(
      `${cls.name} is decorated with both @Entity() and @Orchestrator(). A class is either an entity or an orchestrator; split it in two.`,
    );
  }
  const run = findMethod(cls.prototype as object, RUN_METHOD);
  if (typeof run !== 'function') {
    throw new DefinitionError(
      `Orchestrator '${meta.name}' (class ${cls.name}) has no run method. ` +
        `Add \`async run(ctx: OrchestrationContext, input) { ... }\`: it is the orchestration's code.`,
    );
  }
  if (run.length > 2) {
    throw new DefinitionError(
      `${cls.name}.run declares ${run.length} parameters; it takes the context and at most one input. ` +
        `Pass several values as one object, e.g. run(ctx, { orderId, amount }).`,
    );
  }
  const inputType = declaredParamType(cls.prototype as object, RUN_METHOD, 1);
  return Object.freeze({ name: meta.name, ctor: cls as Constructor, ...(inputType ? { inputType } : {}) });
}
