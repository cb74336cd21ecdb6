import { DecoratorMetadata, type EntityMetadata, type OperationMetadata } from '../../decorators';
import { DefinitionError, UnknownOperationError, type UnknownActivityError, type UnknownOrchestratorError } from '../errors';
import type { ActivityClassDefinition, ActivityDefinition } from './activity-definition';
import { declaredParamType, describeValue, findMethod } from './class-reflection';
import { DELETE_OPERATION, RESERVED_OPERATION_NAMES, type Constructor, type EntityDefinition, type OperationDefinition } from './entity-definition';
import { isValidEntityName } from './entity-id';
import { validateMerge } from './merge-validation';
import { OrchestrationCatalog } from './orchestration-catalog';
import { withRollUps } from './roll-up-attachment';
import { readWindow } from './window-definition';
import type { OrchestratorDefinition } from './orchestrator-definition';

/** The classes an app hosts, as given to {@link Registry.create}. */
export interface RegistryOptions {
  entities?: readonly Function[];
  orchestrators?: readonly Function[];
  activities?: readonly Function[];
  /**
   * Entities the runtime itself provides (orchestration instances), already defined. Their
   * names start with '$', which user entity names cannot, so they never clash with them.
   */
  builtIns?: readonly EntityDefinition[];
}

/** The prefix of built-in (runtime-provided) entity names. */
export const BUILT_IN_PREFIX = '$';

/**
 * Reads the decorators' metadata once, validates it and freezes the definitions.
 * Every mistake in a class declaration surfaces here, at start-up, with a fix.
 */
export class Registry {
  private readonly byName: Map<string, EntityDefinition>;
  private readonly byClass: Map<Function, EntityDefinition>;

  private constructor(
    definitions: readonly EntityDefinition[],
    private readonly catalog: OrchestrationCatalog,
    /** An open registry (client-only processes) learns decorated classes when they are first used. */
    readonly open = false,
  ) {
    this.byName = new Map(definitions.map((d) => [d.name, d]));
    this.byClass = new Map(definitions.map((d) => [d.ctor, d]));
  }

  /** A registry for processes that host no entities: it accepts any decorated class on first use. */
  static openRegistry(): Registry {
    return new Registry([], new OrchestrationCatalog([], [], true), true);
  }

  /** Builds a registry from entity, orchestrator and activity classes; throws a {@link DefinitionError} on the first problem. */
  static create(options: RegistryOptions): Registry {
    const definitions: EntityDefinition[] = [];
    const seen = new Map<string, Function>();
    for (const cls of options.entities ?? []) {
      const definition = readEntity(cls);
      const clash = seen.get(definition.name);
      if (clash === cls) {
        throw new DefinitionError(`${cls.name} is listed twice in entities. List each entity class once.`);
      }
      if (clash) {
        throw new DefinitionError(
          `Two entity classes are named '${definition.name}': ${clash.name} and ${cls.name}. ` +
            `Entity names must be unique in an app; give one a different name with @Entity('OtherName').`,
        );
      }
      seen.set(definition.name, cls);
      definitions.push(definition);
    }
    const withParents = withRollUps(definitions);
    definitions.splice(0, definitions.length, ...withParents);
    for (const builtIn of options.builtIns ?? []) {
      if (!builtIn.name.startsWith(BUILT_IN_PREFIX) || definitions.some((d) => d.name === builtIn.name)) {
        throw new DefinitionError(`internal: built-in entity '${builtIn.name}' must have a unique name starting with '${BUILT_IN_PREFIX}'.`);
      }
      definitions.push(builtIn);
    }
    return new Registry(definitions, new OrchestrationCatalog(options.orchestrators ?? [], options.activities ?? [], false));
  }

  /** All registered user entities (built-ins excluded). */
  get entities(): readonly EntityDefinition[] {
    return [...this.byName.values()].filter((d) => !d.name.startsWith(BUILT_IN_PREFIX));
  }

  /** The definition of a registered entity class, or a {@link DefinitionError} saying how to register it. */
  entityOf<T extends object>(cls: Constructor<T> | Function): EntityDefinition<T> {
    const definition = this.byClass.get(cls);
    if (definition) return definition as unknown as EntityDefinition<T>;
    if (this.open && typeof cls === 'function' && DecoratorMetadata.isEntity(cls)) {
      const learned = readEntity(cls);
      const clash = this.byName.get(learned.name);
      if (clash)
        throw new DefinitionError(
          `Two entity classes are named '${learned.name}': ${clash.ctor.name} and ${cls.name}. Give one a different name with @Entity('OtherName').`,
        );
      this.byName.set(learned.name, learned);
      this.byClass.set(cls, learned);
      return learned as unknown as EntityDefinition<T>;
    }
    if (typeof cls !== 'function') {
      throw new DefinitionError(`Expected an entity class, got ${describeValue(cls)}. Pass the class itself, e.g. entity(Counter, 'key').`);
    }
    if (!DecoratorMetadata.isEntity(cls)) {
      throw new DefinitionError(`${cls.name} is not an entity. Decorate the class with @Entity() and list it in DurableApp.create({ entities: [...] }).`);
    }
    throw new DefinitionError(`Entity class ${cls.name} is not registered with this app. Add it to DurableApp.create({ entities: [...] }).`);
  }

  /** The definition registered under `name`, or a {@link DefinitionError}. */
  entityNamed(name: string): EntityDefinition {
    const definition = this.byName.get(name);
    if (definition) return definition;
    const known =
      [...this.byName.keys()]
        .filter((n) => !n.startsWith(BUILT_IN_PREFIX))
        .map((n) => `'${n}'`)
        .join(', ') || '(none)';
    throw new DefinitionError(`No entity named '${name}' is registered. Registered entities: ${known}. Check the name or register the class.`);
  }

  /** True when an entity of that name is registered. */
  hasEntity(name: string): boolean {
    return this.byName.has(name);
  }

  /** All registered orchestrators. */
  get orchestrators(): readonly OrchestratorDefinition[] {
    return this.catalog.orchestrators;
  }

  /** The definition of a registered orchestrator class, or a {@link DefinitionError} saying how to register it. */
  orchestratorOf(cls: Function): OrchestratorDefinition {
    return this.catalog.orchestratorOf(cls);
  }

  /** The orchestrator registered under `name`, or an {@link UnknownOrchestratorError}. */
  orchestratorNamed(name: string): OrchestratorDefinition {
    return this.catalog.orchestratorNamed(name);
  }

  /** True when an orchestrator of that name is registered. */
  hasOrchestrator(name: string): boolean {
    return this.catalog.hasOrchestrator(name);
  }

  /** All registered activities. */
  get activities(): readonly ActivityDefinition[] {
    return this.catalog.activities;
  }

  /** The activities of a registered activity class, or a {@link DefinitionError} saying how to register it. */
  activitiesOf(cls: Function): ActivityClassDefinition {
    return this.catalog.activitiesOf(cls);
  }

  /** The activity registered under `name`, or an {@link UnknownActivityError}. */
  activityNamed(name: string): ActivityDefinition {
    return this.catalog.activityNamed(name);
  }

  /** True when an activity of that name is registered. */
  hasActivity(name: string): boolean {
    return this.catalog.hasActivity(name);
  }

  /** The operation `operation` of `definition`, or an {@link UnknownOperationError}. */
  static operationOf(definition: EntityDefinition, operation: string): OperationDefinition {
    const found = definition.operations.get(operation);
    if (found) return found;
    throw new UnknownOperationError(definition.name, operation, [...definition.operations.keys(), DELETE_OPERATION]);
  }
}

function readEntity(cls: Function): EntityDefinition {
  if (typeof cls !== 'function') {
    throw new DefinitionError(`entities must contain classes, got ${describeValue(cls)}.`);
  }
  const meta = DecoratorMetadata.entity(cls);
  if (!meta) {
    throw new DefinitionError(`${cls.name || 'An anonymous class'} is listed in entities but has no @Entity() decorator. Add @Entity() to the class.`);
  }
  if (!isValidEntityName(meta.name)) {
    throw new DefinitionError(
      `Entity name '${meta.name}' (class ${cls.name}) is not valid: use 1-64 letters, digits, '_' or '-', starting with a letter or '_'.`,
    );
  }
  const operations = new Map<string, OperationDefinition>();
  // Walk the prototype chain so operations declared on a base class are inherited.
  for (const c of DecoratorMetadata.lineage(cls)) {
    const declared = DecoratorMetadata.operations(c);
    const ownNames = new Set<string>();
    for (const op of declared) {
      if (ownNames.has(op.name)) {
        throw new DefinitionError(`${c.name} declares operation '${op.name}' on two methods. Give each operation its own name.`);
      }
      ownNames.add(op.name);
      if (operations.has(op.name)) continue; // a subclass overrides its base
      validateOperation(meta.name, cls, op);
      const inputType = declaredInputType(cls.prototype, op.methodName);
      const isAsync = isAsyncMethod(cls.prototype, op.methodName);
      const merge = op.merge === undefined ? undefined : validateMerge(meta.name, cls, op);
      const readOnly = validateReadOnly(meta.name, op);
      operations.set(
        op.name,
        Object.freeze({
          name: op.name,
          methodName: op.methodName,
          isAsync,
          ...(inputType ? { inputType } : {}),
          ...(merge ? { merge } : {}),
          ...(readOnly ? { readOnly } : {}),
        }),
      );
    }
  }
  if (operations.size === 0) {
    throw new DefinitionError(`Entity '${meta.name}' (class ${cls.name}) has no operations. Mark its methods with @Operation().`);
  }
  const operationsByMethod = new Map([...operations.values()].map((op) => [op.methodName, op.name]));
  const window = readWindow(cls, meta.name);
  const idleRetentionMs = readIdleRetention(meta, window !== undefined);
  return Object.freeze({
    name: meta.name,
    ctor: cls as Constructor,
    operations,
    operationsByMethod,
    ...(window ? { window } : {}),
    ...(idleRetentionMs === undefined ? {} : { idleRetentionMs }),
  });
}

function readIdleRetention(meta: EntityMetadata, windowed: boolean): number | undefined {
  const value = meta.idleRetentionMs;
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1000) {
    throw new DefinitionError(`@Entity({ idleRetentionMs }) of '${meta.name}' must be a whole number of milliseconds, at least 1000; got ${String(value)}.`);
  }
  if (windowed) {
    throw new DefinitionError(`'${meta.name}' is @Windowed: its windows are deleted by @Windowed({ retentionMs }). Remove idleRetentionMs from @Entity.`);
  }
  return value;
}

/** The `readOnly` option of an operation: a boolean, and not on a mergeable operation (merging combines changes). */
function validateReadOnly(entity: string, op: OperationMetadata): boolean {
  if (op.readOnly === undefined) return false;
  if (typeof op.readOnly !== 'boolean') {
    throw new DefinitionError(`The readOnly option of operation '${op.name}' of entity '${entity}' must be true or false, got ${describeValue(op.readOnly)}.`);
  }
  if (op.readOnly && op.merge !== undefined) {
    throw new DefinitionError(
      `Operation '${op.name}' of entity '${entity}' is declared both readOnly and mergeable; merging combines changes, and a read-only operation makes none. Remove one of the two options.`,
    );
  }
  return op.readOnly;
}

function validateOperation(entity: string, cls: Function, op: OperationMetadata): void {
  if (op.name === DELETE_OPERATION) {
    throw new DefinitionError(
      `Entity '${entity}' declares an operation named '${DELETE_OPERATION}', which every entity already has. ` +
        `Rename it, and call entityContext().deleteState() from it if it should delete the entity.`,
    );
  }
  if (!/^[A-Za-z_$][A-Za-z0-9_$-]{0,127}$/.test(op.name)) {
    throw new DefinitionError(`Operation name '${op.name}' of entity '${entity}' is not valid: use letters, digits, '_', '$' or '-'.`);
  }
  if (op.name.startsWith(BUILT_IN_PREFIX)) {
    throw new DefinitionError(
      `Operation name '${op.name}' of entity '${entity}' starts with '${BUILT_IN_PREFIX}', which marks the runtime's own operations. Give it another name.`,
    );
  }
  if (RESERVED_OPERATION_NAMES.has(op.name)) {
    throw new DefinitionError(
      `Operation name '${op.name}' of entity '${entity}' is reserved (proxies and JSON use it). Give the operation another name with @Operation('otherName').`,
    );
  }
  const method = findMethod(cls.prototype as object, op.methodName);
  if (typeof method !== 'function') {
    throw new DefinitionError(`@Operation() on ${cls.name}.${op.methodName} must decorate a method.`);
  }
  if (method.length > 1) {
    throw new DefinitionError(
      `Operation ${cls.name}.${op.methodName} declares ${method.length} parameters; operations take at most one input. ` +
        `Pass several values as one object, e.g. transfer({ to, amount }).`,
    );
  }
}

/** An `async` method, or one whose declared return type (emitted as `design:returntype`) is a Promise. */
function isAsyncMethod(prototype: object, methodName: string): boolean {
  const method = findMethod(prototype, methodName) as Function;
  return method.constructor.name === 'AsyncFunction' || Reflect.getMetadata('design:returntype', prototype, methodName) === Promise;
}

/** The class or Date an operation declares for its input, when the compiler emitted `design:paramtypes`. */
function declaredInputType(prototype: object, methodName: string): Function | undefined {
  return declaredParamType(prototype, methodName, 0);
}
