export { ACTIVITIES_METADATA, ENTITY_METADATA, OPERATIONS_METADATA, ORCHESTRATOR_METADATA, ROLL_UP_METADATA, WINDOWED_METADATA } from './constants';
export { Activity, type ActivityMetadata, type ActivityOptions } from './activity.decorator';
export { Entity, type EntityMetadata, type EntityOptions } from './entity.decorator';
export { Operation, type MergeFunction, type OperationMetadata, type OperationOptions } from './operation.decorator';
export { Orchestrator, type OrchestratorMetadata, type OrchestratorOptions } from './orchestrator.decorator';
export { RollUp, type RollUpOptions } from './roll-up.decorator';
export { Windowed, type WindowTime, type WindowedOptions } from './windowed.decorator';
export { DecoratorMetadata } from './metadata-accessor';
