import type { ActivityMetadata } from './activity.decorator';
import { ACTIVITIES_METADATA, ENTITY_METADATA, OPERATIONS_METADATA, ORCHESTRATOR_METADATA, ROLL_UP_METADATA, WINDOWED_METADATA } from './constants';
import type { EntityMetadata } from './entity.decorator';
import type { OperationMetadata } from './operation.decorator';
import type { OrchestratorMetadata } from './orchestrator.decorator';
import type { RollUpOptions } from './roll-up.decorator';
import type { WindowedOptions } from './windowed.decorator';

/**
 * Reads what the decorators recorded on one class (its own metadata, not its bases'): the
 * one place that knows the metadata keys besides the decorators that write them.
 */
export const DecoratorMetadata = {
  /** `@Entity`'s record, if the class has one. */
  entity: (cls: Function): EntityMetadata | undefined => Reflect.getOwnMetadata(ENTITY_METADATA, cls),
  isEntity: (cls: Function): boolean => Reflect.hasOwnMetadata(ENTITY_METADATA, cls),
  /** The `@Operation`s declared on this class itself, in declaration order. */
  operations: (cls: Function): readonly OperationMetadata[] => Reflect.getOwnMetadata(OPERATIONS_METADATA, cls) ?? [],
  /** `@Orchestrator`'s record, if the class has one. */
  orchestrator: (cls: Function): OrchestratorMetadata | undefined => Reflect.getOwnMetadata(ORCHESTRATOR_METADATA, cls),
  isOrchestrator: (cls: Function): boolean => Reflect.hasOwnMetadata(ORCHESTRATOR_METADATA, cls),
  /** The `@Activity` methods declared on this class itself. */
  activities: (cls: Function): readonly ActivityMetadata[] => Reflect.getOwnMetadata(ACTIVITIES_METADATA, cls) ?? [],
  declaresActivities: (cls: Function): boolean => Reflect.hasOwnMetadata(ACTIVITIES_METADATA, cls),
  /** `@RollUp`'s options, if the class has them. */
  rollUp: (cls: Function): RollUpOptions | undefined => Reflect.getOwnMetadata(ROLL_UP_METADATA, cls),
  /** `@Windowed`'s options, if the class has them. */
  windowed: (cls: Function): WindowedOptions | undefined => Reflect.getOwnMetadata(WINDOWED_METADATA, cls),
  /**
   * The class and its base classes, the class first: what reads inherited declarations walks,
   * so that a subclass's declaration overrides its base's.
   */
  lineage: (cls: Function): Function[] => {
    const classes: Function[] = [];
    for (let c: Function | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) classes.push(c);
    return classes;
  },
} as const;
