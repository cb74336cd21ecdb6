// Internals for tests and benchmarks. Not a stable API.
export * from './index';
export { EmbeddedEngine } from './engine/embedded/embedded-engine';
export { LevelStore } from './engine/level-store';
export { StorageKeys } from './engine/embedded/storage-keys';
export { fnv1a, partitionOf } from './engine/partitioner';
export { Registry } from './registry/registry';
export { decodeSnapshot, encodeSnapshot } from './runtime/snapshot-codec';
export { toJson, toPlain } from './runtime/value-codec';
export { ActivityRunner, type ActivityRunnerOptions, type ActivityTask } from './runtime/orchestration/activity-runner';
export type * from './runtime/orchestration/history-events';
export { describeCommand, isArrivingEvent, isCommandEvent, isResponseEvent } from './runtime/orchestration/history-event-kinds';
export { LiveOrchestration } from './runtime/orchestration/live-orchestration';
export type * from './runtime/orchestration/orchestration-actions';
export { OrchestrationExecutor, type OrchestrationExecutorOptions } from './runtime/orchestration/orchestration-executor';
export { executionStarted, guidAt, subInstanceId, type ExecutionStartOptions } from './runtime/orchestration/orchestration-ids';
export type { ContinueAsNewRequest, DroppedEvent, OrchestrationTurn } from './runtime/orchestration/orchestration-turn';
export { compileRetryPolicy, retryDelayMs, type RetryPolicy } from './runtime/orchestration/retry-policy';
