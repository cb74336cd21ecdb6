import 'reflect-metadata';

export { Entity, Operation, type EntityOptions, type OperationOptions } from '../decorators';
export { DurableApp } from './app/durable-app';
export type { DurableAppOptions } from './app/durable-app-options';
export { DurableClient, type DurableClientOptions } from './client/durable-client';
export type {
  EntityChange,
  EntityClassHandle,
  EntityHandle,
  EntityListPage,
  EntityMetadata,
  EntityStateResponse,
  ListEntitiesQuery,
} from './client/entity-types';
export type { Durability } from './engine/embedded/embedded-engine';
export type { EngineStats } from './engine/engine';
export type { NatsServers } from './engine/nats/hub-connection';
export {
  AppStoppedError,
  DefinitionError,
  ErrorCode,
  InvalidEntityIdError,
  InvalidOptionsError,
  JetstateError,
  OperationFailedError,
  OutsideOperationError,
  PayloadTooLargeError,
  SerializationError,
  StorageError,
  TimeoutError,
  TransportError,
  UnknownOperationError,
} from './errors';
export { MAX_ENTITY_KEY_LENGTH, type EntityId } from './registry/entity-id';
export type { Constructor } from './registry/entity-definition';
export { ManualClock, systemClock, type Clock, type ClockTimer } from './runtime/clock';
export { entityContext, type EntityContext, type SignalOptions } from './runtime/entity-context';
export type { CallProxy, OperationNames, SignalProxy } from './runtime/operation-proxy';
export type { ResolveInstance } from './runtime/instance-factory';
