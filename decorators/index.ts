export { ENTITY_METADATA, OPERATIONS_METADATA } from './constants';
export { Entity, type EntityMetadata, type EntityOptions } from './entity.decorator';
export { Operation, type OperationMetadata, type OperationOptions } from './operation.decorator';
