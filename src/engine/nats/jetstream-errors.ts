import { JetStreamApiError } from '@nats-io/jetstream';

/** JetStream API error codes (the server's `err_code`) the engine acts on. */
export const JetStreamErrorCode = {
  /** "consumer not found". */
  ConsumerNotFound: 10014,
  /** "no message found" (a direct get of a subject that has none). */
  NoMessageFound: 10037,
  /** "stream not found". */
  StreamNotFound: 10059,
  /** A failed `Nats-Expected-Last-Subject-Sequence` check: someone else wrote first. */
  WrongLastSequence: 10071,
  /** "JetStream not enabled for account". */
  NotEnabledForAccount: 10039,
  /** "JetStream not enabled". */
  NotEnabled: 10076,
  /** "replicas > 1 not supported in non-clustered mode". */
  ReplicasNotSupported: 10074,
  /** No peers to place a stream on (fewer servers than replicas). */
  NoSuitablePeers: 10005,
  /** "insufficient resources". */
  InsufficientResources: 10023,
  /** Storing a message failed; with discard new this is "maximum messages/bytes exceeded". */
  StoreFailed: 10077,
  /** "insufficient storage resources available" (the server's max_file_store is used up). */
  StorageResourcesExceeded: 10047,
  /** "insufficient memory resources available". */
  MemoryResourcesExceeded: 10028,
  /** "resource limits exceeded for account". */
  AccountResourcesExceeded: 10002,
} as const;

/** The JetStream API error code carried by `error`, if it is a JetStream API error. */
export function jetStreamErrorCode(error: unknown): number | undefined {
  return error instanceof JetStreamApiError ? error.code : undefined;
}

/** True when JetStream refused to store a message because a stream, account or server limit is reached. */
export function isStreamFull(error: unknown): boolean {
  const code = jetStreamErrorCode(error);
  return (
    code === JetStreamErrorCode.StoreFailed ||
    code === JetStreamErrorCode.StorageResourcesExceeded ||
    code === JetStreamErrorCode.MemoryResourcesExceeded ||
    code === JetStreamErrorCode.AccountResourcesExceeded
  );
}

/** True when the server could not place a stream on as many servers as its replica count asks. */
export function isReplicaPlacementRefused(error: unknown): boolean {
  const code = jetStreamErrorCode(error);
  return code === JetStreamErrorCode.ReplicasNotSupported || code === JetStreamErrorCode.NoSuitablePeers || code === JetStreamErrorCode.InsufficientResources;
}
