import type { NatsError } from 'nats';

/** JetStream API error codes the engine acts on. */
export const JetStreamErrorCode = {
  /** "consumer not found". */
  ConsumerNotFound: 10014,
  /** "no message found" (a direct get of a subject that has none). */
  NoMessageFound: 10037,
  /** "stream not found". */
  StreamNotFound: 10059,
  /** A failed `Nats-Expected-Last-Subject-Sequence` check: someone else wrote first. */
  WrongLastSequence: 10071,
} as const;

/** The JetStream API error code carried by `error`, if it is one. */
export function jetStreamErrorCode(error: unknown): number | undefined {
  return (error as NatsError | undefined)?.api_error?.err_code;
}
