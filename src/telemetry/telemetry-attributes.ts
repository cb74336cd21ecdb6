/**
 * Span and metric attribute names. Messaging attributes follow OpenTelemetry's semantic
 * conventions for messaging; what they do not cover carries the `jetstate.` prefix.
 */
export const Attr = {
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingDestination: 'messaging.destination.name',
  messagingPartition: 'messaging.destination.partition.id',
  messagingMessageId: 'messaging.message.id',
  messagingBatchCount: 'messaging.batch.message_count',
  entityName: 'jetstate.entity.name',
  entityKey: 'jetstate.entity.key',
  operation: 'jetstate.operation',
  messageKind: 'jetstate.message.kind',
  foldedSignals: 'jetstate.signal.count',
  orchestrationName: 'jetstate.orchestration.name',
  instanceId: 'jetstate.orchestration.instance_id',
  eventName: 'jetstate.orchestration.event_name',
  instanceStatus: 'jetstate.orchestration.status',
  activityName: 'jetstate.activity.name',
  activityAttempt: 'jetstate.activity.attempt',
  partition: 'jetstate.partition',
  batchApplied: 'jetstate.batch.applied',
  batchFailed: 'jetstate.batch.failed',
  leaseChange: 'jetstate.lease.change',
} as const;

/** The value of `messaging.system` on jetstate's spans. */
export const MESSAGING_SYSTEM = 'jetstate';

/** Instrumentation scope name of jetstate's tracer and meter. */
export const INSTRUMENTATION_SCOPE = 'jetstate';
