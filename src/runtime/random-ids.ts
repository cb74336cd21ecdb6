import { randomBytes, randomUUID } from 'node:crypto';

// Every random id the library makes. Everything else (message ids, ids derived in a turn) is
// deterministic, so a re-run produces the same ids.

/**
 * A client's id: 12 URL-safe characters (72 random bits). A client numbers the messages it
 * sends after it, so two clients never send the same message id.
 */
export function newClientId(): string {
  return randomBytes(9).toString('base64url');
}

/** The id of an orchestration instance started (or restarted under a new id) without one: a UUID. */
export function newInstanceId(): string {
  return randomUUID();
}

/** The id of an execution started from outside an orchestration (a client's start): a UUID. */
export function newExecutionId(): string {
  return randomUUID();
}
