import { ErrorCode as NatsErrorCode, type NatsError } from 'nats';
import { JetstateError, TransportError } from '../../errors';

/** JetStream API error code of a stream that refuses more messages (a limit reached with discard new). */
const STREAM_FULL_CODES = new Set([10077, 10027]);

/**
 * Turns an error from the NATS client into a jetstate error, so no raw `NatsError` leaves
 * the public API. `what` names the operation (e.g. "publishing Counter/visits.add"); the
 * message says what it means for the caller and what to do; the original is the `cause`.
 */
export function toJetstateError(error: unknown, what: string, options: { mayHaveBeenStored?: boolean } = {}): Error {
  if (error instanceof JetstateError) return error;
  const nats = error as Partial<NatsError> | undefined;
  const detail = nats?.message ?? String(error);
  const apiCode = nats?.api_error?.err_code;
  let advice: string;
  switch (nats?.code) {
    case NatsErrorCode.Timeout:
    case NatsErrorCode.JetStream408RequestTimeout:
      advice = options.mayHaveBeenStored
        ? 'The server did not confirm in time: the message may have been stored anyway (sending it again is safe, it carries the same id). Check the server and retry.'
        : 'The server did not answer in time. Check that nats-server is up and reachable, then retry.';
      break;
    case NatsErrorCode.NoResponders:
      advice =
        'Nothing answered: JetStream is not enabled on the server, or the stream has no leader right now (a cluster electing one). Retry shortly; check that nats-server runs with -js.';
      break;
    case NatsErrorCode.PermissionsViolation:
      advice = "The server's permissions for this user do not allow it. Grant the subjects docs/nats.md lists for this kind of process.";
      break;
    case NatsErrorCode.ConnectionClosed:
    case NatsErrorCode.Disconnect:
      advice = 'The connection to NATS is closed. Create the app or client again.';
      break;
    default:
      advice =
        apiCode !== undefined && STREAM_FULL_CODES.has(apiCode)
          ? 'The stream refused the message because it is full. Raise its limits or let the workers catch up.'
          : 'Check the server and its logs.';
  }
  return new TransportError(`NATS failed while ${what}: ${detail}. ${advice}`, { cause: error });
}
