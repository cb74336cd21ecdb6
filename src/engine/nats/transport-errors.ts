import { JetStreamApiError } from '@nats-io/jetstream';
import {
  AuthorizationError,
  ClosedConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  PermissionViolationError,
  TimeoutError as NatsTimeoutError,
  UserAuthenticationExpiredError,
} from '@nats-io/transport-node';
import { JetstateError, TransportError } from '../../errors';
import { JetStreamErrorCode, isStreamFull, jetStreamErrorCode } from './jetstream-errors';

/** How the message of a {@link TransportError} explains a NATS failure. */
interface Diagnosis {
  readonly detail: string;
  readonly advice: string;
}

/**
 * Turns an error from the NATS client into a jetstate error, so no raw nats.js error
 * leaves the public API. `what` names the operation (e.g. "sending Counter/visits.add");
 * the message says what the failure means for the caller and what to do; the original
 * is the `cause`. The error is classified by its type (and, for JetStream API errors,
 * by the server's error code), never by its message.
 */
export function toJetstateError(error: unknown, what: string, options: { mayHaveBeenStored?: boolean } = {}): Error {
  if (error instanceof JetstateError) return error;
  const { detail, advice } = diagnose(error, options.mayHaveBeenStored === true);
  return new TransportError(`NATS failed while ${what}: ${detail}. ${advice}`, { cause: error });
}

function diagnose(error: unknown, mayHaveBeenStored: boolean): Diagnosis {
  const permission = find(error, PermissionViolationError);
  if (permission) {
    const verb = permission.operation === 'publish' ? 'publish to' : 'subscribe to';
    return {
      detail: `the NATS user may not ${verb} ${permission.subject}`,
      advice: `Grant it permission to ${verb} ${permission.subject} (docs/nats.md lists the subjects each kind of process needs).`,
    };
  }
  const auth = find(error, AuthorizationError) ?? find(error, UserAuthenticationExpiredError);
  if (auth) {
    return { detail: auth.message, advice: 'The server refused the credentials. Check the user, token, NKey or credentials file in the nats option.' };
  }
  if (find(error, NatsTimeoutError)) {
    return {
      detail: 'the server did not answer in time',
      advice: mayHaveBeenStored
        ? 'The message may have been stored anyway (sending it again is safe: it carries the same id, so the server drops the copy). Check that nats-server is up and reachable, then retry.'
        : 'Check that nats-server is up and reachable, then retry.',
    };
  }
  const noResponders = find(error, NoRespondersError);
  if (noResponders) {
    return {
      detail: `nothing answered on ${noResponders.subject}`,
      advice:
        "No JetStream stream takes the subject: JetStream is not enabled on the server, the hub's streams were deleted, or the stream has no leader right now (a cluster electing one). " +
        'Check that nats-server runs with -js and that a worker of the hub has started (workers create its streams); retry shortly.',
    };
  }
  if (find(error, ClosedConnectionError) || find(error, DrainingConnectionError)) {
    return {
      detail: 'the connection to NATS is closed',
      advice:
        'It does not come back: create the app or client again (and if the nats option sets maxReconnectAttempts, raise it or leave it unset to reconnect forever).',
    };
  }
  const apiError = find(error, JetStreamApiError);
  if (apiError && isStreamFull(apiError)) {
    return {
      detail: `JetStream refused to store the message (${apiError.message}, error code ${apiError.code})`,
      advice:
        "A stream, account or server limit is reached. Raise the stream's max_msgs/max_bytes (or the server's max_file_store), or let the workers catch up so input retention can remove applied inputs.",
    };
  }
  return {
    detail: error instanceof Error ? `${error.message}${apiError ? ` (JetStream error code ${apiError.code})` : ''}` : String(error),
    advice: 'Check the server and its logs.',
  };
}

/** What to do when connecting failed: fix the credentials if the server refused them, else check the server. */
export function connectAdvice(error: unknown): string {
  if (find(error, AuthorizationError) ?? find(error, UserAuthenticationExpiredError)) {
    return 'The server refused the credentials: check the user and password, token, NKey or credentials file in the nats option.';
  }
  return 'Check that nats-server is running with JetStream (-js).';
}

/**
 * True when a request found no responder (JetStream is off, or no stream takes the
 * subject), or the server said JetStream is not enabled.
 */
export function isJetStreamUnavailable(error: unknown): boolean {
  const code = jetStreamErrorCode(find(error, JetStreamApiError));
  return find(error, NoRespondersError) !== undefined || code === JetStreamErrorCode.NotEnabled || code === JetStreamErrorCode.NotEnabledForAccount;
}

/** The first error of type `type` in the chain of `error` and its causes. */
function find<T extends Error>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (current instanceof type) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when a request was not answered in time. */
export function isRequestTimeout(error: unknown): boolean {
  return find(error, NatsTimeoutError) !== undefined;
}
