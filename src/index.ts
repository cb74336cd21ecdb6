import 'reflect-metadata';

export {
  Activity,
  Entity,
  Operation,
  Orchestrator,
  RollUp,
  Windowed,
  type ActivityOptions,
  type WindowedOptions,
  type MergeFunction,
  type RollUpOptions,
  type EntityOptions,
  type OperationOptions,
  type OrchestratorOptions,
} from '../decorators';
export { DurableApp } from './app/durable-app';
export type { DurableAppOptions } from './app/durable-app-options';
export { DurableClient, type DurableClientOptions } from './client/durable-client';
export type { SignalManyItem } from './client/signal-many';
export type { WindowState, WindowsHandle } from './client/windowed-entities';
export type { ClientInsights, FindInstancesQuery, InstanceChange, InstanceCounts, InstanceSummary } from './client/client-insights';
export {
  DURABLE_TASK_WEBHOOK_PATH,
  type CheckStatusResponse,
  type HttpManagementOptions,
  type HttpManagementPayload,
  type HttpRequestLike,
} from './client/http-management';
export type {
  EntityChange,
  EntityClassHandle,
  EntityHandle,
  EntityListPage,
  EntityLockInfo,
  EntityMetadata,
  EntityReadResponse,
  EntityStateResponse,
  ListEntitiesQuery,
} from './client/entity-types';
export { OrchestrationClient, type CleanEntityStorageOptions, type CleanEntityStorageResult, type PurgeResult } from './client/orchestration-client';
export type { InstanceRetentionOptions } from './client/instance-retention';
export type {
  GetStatusOptions,
  InstancesPage,
  ListInstancesQuery,
  OrchestrationHandle,
  OrchestrationStatus,
  PurgeInstancesFilter,
  RestartOptions,
  StartOrchestrationOptions,
  WaitForCompletionOptions,
} from './client/orchestration-handle';
export type { Durability } from './engine/embedded/embedded-engine';
export type { EngineStats } from './engine/engine';
export type { DeadLetter, DeadLetterQuery, DeadLetters } from './engine/dead-letters';
export type { NatsServers } from './engine/nats/hub-connection';
export { hubPermissions, type HubPermissions, type HubRole } from './engine/nats/hub-permissions';
export {
  ActivityFailedError,
  AppStoppedError,
  CriticalSectionError,
  DefinitionError,
  ErrorCode,
  InvalidEntityIdError,
  InvalidOptionsError,
  JetstateError,
  NonDeterminismError,
  OperationFailedError,
  OrchestrationAlreadyExistsError,
  OrchestrationFailedError,
  OrchestrationNotFoundError,
  OrchestrationNotRunningError,
  OrchestrationStillRunningError,
  OrchestrationNotFailedError,
  LateDataError,
  NonRetryableError,
  OutsideOperationError,
  PayloadTooLargeError,
  ReadOnlyOperationError,
  HttpCallFailedError,
  SerializationError,
  StorageError,
  SubOrchestrationFailedError,
  TimeoutError,
  TransportError,
  UnknownActivityError,
  UnknownOperationError,
  UnknownOrchestratorError,
} from './errors';
export { MAX_ENTITY_KEY_LENGTH, type EntityId } from './registry/entity-id';
export type { Constructor } from './registry/entity-definition';
export { ManualClock, systemClock, type Clock, type ClockTimer } from './runtime/clock';
export { entityContext, type EntityContext, type SignalOptions, type StartOrchestrationFromEntityOptions } from './runtime/entity-context';
export type { CallProxy, DeferredSignalProxy, OperationNames, SignalProxy } from './runtime/operation-proxy';
export type { ResolveInstance } from './runtime/instance-factory';
export type { HistoryEvent, FailureDetails } from './runtime/orchestration/history-events';
export { activityContext, type ActivityContext } from './runtime/orchestration/activity-context';
export type { CallHttpOptions, DurableHttpRequest, DurableHttpResponse } from './runtime/orchestration/durable-http-types';
export { replayHistory, type ReplayHistoryOptions, type ReplayableHistory } from './runtime/orchestration/replay-history';
export type {
  CallActivityOptions,
  CancellableTask,
  ContinueAsNewOptions,
  EntitySignalOptions,
  LockTarget,
  OrchestrationContext,
  OrchestrationEntityHandle,
  OrchestratorClass,
  OrchestratorInput,
  OrchestratorOutput,
  ReplaySafeLogger,
  SignalSender,
  SubOrchestratorOptions,
  Task,
  TaskProxy,
  TaskResult,
  TaskWinner,
  TimerTask,
  WaitForEventOptions,
} from './runtime/orchestration/orchestration-context';
export { OrchestrationRuntimeStatus } from './runtime/orchestration/orchestration-status';
export type { RetryOptions } from './runtime/orchestration/retry-policy';
export { createTestEnvironment, type TestEnvironment, type TestEnvironmentOptions } from './testing/test-environment';
export { jetstateHttpApi } from './http/http-api-plugin';
export { jetstateDashboard, type DashboardOptions } from './dashboard/dashboard-plugin';
export { HttpErrorCode, STATUS_BY_CODE, type HttpErrorBody } from './http/http-errors';
export { DEFAULT_BODY_LIMIT_BYTES, type HttpApiOptions, type ServeHttpOptions } from './http/http-options';
export { serveHttp, type HttpServer } from './http/serve-http';
export type { StatusPayload } from './http/status-payload';
