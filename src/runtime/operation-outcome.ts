/** What becomes of an operation's outcome: the reply message it sends, the error a remote caller receives. */
import { JetstateError } from '../errors';
import type { OperationMessage, OperationReply, RemoteError } from './messages';

/** The message that carries an operation's outcome along its `ReplyRoute`. */
export function replyMessage(message: OperationMessage, reply: OperationReply): OperationMessage {
  const route = message.replyVia!;
  return { id: `${message.id}>reply`, target: route.target, operation: route.operation, kind: 'signal', input: { context: route.context, reply } };
}

/** Reduces an error to what a caller in another process can receive. */
export function toRemoteError(error: unknown): RemoteError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(error instanceof JetstateError ? { code: error.code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
