import { ErrorCode, JetstateError, OperationFailedError } from '../errors';

/** Codes of refusals that only the HTTP API makes (jetstate's own errors keep their {@link ErrorCode}). */
export const HttpErrorCode = {
  /** No key, or a key that is not one of the server's `keys`. */
  Unauthorized: 'JETSTATE_HTTP_UNAUTHORIZED',
  /** The body is not valid JSON. */
  InvalidJson: 'JETSTATE_HTTP_INVALID_JSON',
  /** A body that must be JSON was sent with another content type. */
  UnsupportedMediaType: 'JETSTATE_HTTP_UNSUPPORTED_MEDIA_TYPE',
  /** The request is malformed in a way the router or parser refuses (a bad URL encoding, ...). */
  BadRequest: 'JETSTATE_HTTP_BAD_REQUEST',
  /** The entity has no state: it was never operated on, or it was deleted. */
  EntityNotFound: 'JETSTATE_HTTP_ENTITY_NOT_FOUND',
  /** No route has that method and path. */
  RouteNotFound: 'JETSTATE_HTTP_ROUTE_NOT_FOUND',
  /** The server is closing and takes no new requests. */
  Closing: 'JETSTATE_HTTP_CLOSING',
  /** Something failed that is not one of jetstate's errors; the server logs it. */
  Internal: 'JETSTATE_HTTP_INTERNAL',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/**
 * The status code of each of jetstate's errors, the one table the HTTP API answers from
 * (docs/http.md shows it). Errors of bad input are 4xx; errors of the server or its engine
 * 5xx. A code missing here is answered 500 (a test checks that every code is listed).
 */
export const STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode | HttpErrorCode, number>>> = {
  [ErrorCode.InvalidOptions]: 400,
  [ErrorCode.InvalidEntityId]: 400,
  [ErrorCode.Serialization]: 400,
  [ErrorCode.UnknownOrchestrator]: 400,
  // The only definition error a request can cause: an entity name no class is registered under.
  [ErrorCode.Definition]: 404,
  [ErrorCode.UnknownOperation]: 404,
  // A worker dead-lettered the message: it hosts no such entity or operation.
  [ErrorCode.MessageRejected]: 404,
  [ErrorCode.OrchestrationNotFound]: 404,
  [ErrorCode.OrchestrationAlreadyExists]: 409,
  // An event for a window that has closed: valid on its own, refused by the window's state.
  [ErrorCode.LateData]: 409,
  [ErrorCode.OrchestrationNotRunning]: 410,
  [ErrorCode.OrchestrationStillRunning]: 412,
  [ErrorCode.OrchestrationNotFailed]: 412,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.OperationFailed]: 422,
  // Failed on purpose, for good: the request itself cannot succeed.
  [ErrorCode.NonRetryable]: 422,
  [ErrorCode.ReadOnlyViolation]: 422,
  [ErrorCode.Storage]: 500,
  [ErrorCode.NonDeterminism]: 500,
  [ErrorCode.ActivityFailed]: 500,
  [ErrorCode.SubOrchestrationFailed]: 500,
  [ErrorCode.HttpCallFailed]: 500,
  [ErrorCode.UnknownActivity]: 500,
  [ErrorCode.CriticalSection]: 500,
  [ErrorCode.OrchestrationFailed]: 500,
  [ErrorCode.OutsideOperation]: 500,
  [ErrorCode.AppStopped]: 503,
  [ErrorCode.Transport]: 503,
  [ErrorCode.Timeout]: 504,
  [HttpErrorCode.InvalidJson]: 400,
  [HttpErrorCode.UnsupportedMediaType]: 400,
  [HttpErrorCode.BadRequest]: 400,
  [HttpErrorCode.EntityNotFound]: 404,
  [HttpErrorCode.Unauthorized]: 401,
  [HttpErrorCode.RouteNotFound]: 404,
  [HttpErrorCode.Internal]: 500,
  [HttpErrorCode.Closing]: 503,
};

/** The status answering `code`: from {@link STATUS_BY_CODE}, 500 for a code it lacks. */
export function statusOf(code: string): number {
  return STATUS_BY_CODE[code as ErrorCode] ?? 500;
}

/** A refusal made by the HTTP API itself, with its status and stable code. */
export class HttpApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: HttpErrorCode | ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpApiError';
    this.status = statusOf(code);
  }
}

/** The JSON body of every error reply. */
export interface HttpErrorBody {
  /** A jetstate {@link ErrorCode} or an {@link HttpErrorCode}. */
  readonly code: string;
  /** What went wrong and what to do about it. */
  readonly message: string;
  /** For an operation that threw (`JETSTATE_OPERATION_FAILED`): the remote error's name, message and code. */
  readonly remoteName?: string;
  readonly remoteMessage?: string;
  readonly remoteCode?: string;
}

/** The status and body answering `error`; `undefined` status means "not ours: log it, answer 500". */
export function errorReply(error: unknown): { status: number; body: HttpErrorBody; unexpected: boolean } {
  if (error instanceof HttpApiError) return { status: error.status, body: { code: error.code, message: error.message }, unexpected: false };
  if (error instanceof OperationFailedError) {
    const remote = {
      remoteName: error.remoteName,
      remoteMessage: error.remoteMessage,
      ...(error.remoteCode === undefined ? {} : { remoteCode: error.remoteCode }),
    };
    // Where the target lives, jetstate refused the request itself (a client-only process cannot
    // check an entity it does not know): answer as the local refusal would be answered.
    const remoteStatus = error.remoteCode === undefined ? 500 : statusOf(error.remoteCode);
    if (remoteStatus >= 400 && remoteStatus < 500 && error.remoteCode !== ErrorCode.OperationFailed) {
      return { status: remoteStatus, body: { code: error.remoteCode!, message: error.remoteMessage, ...remote }, unexpected: false };
    }
    return { status: statusOf(error.code), body: { code: error.code, message: error.message, ...remote }, unexpected: false };
  }
  if (error instanceof JetstateError) {
    const status = statusOf(error.code);
    return { status, body: { code: error.code, message: error.message }, unexpected: status >= 500 };
  }
  return {
    status: 500,
    body: { code: HttpErrorCode.Internal, message: 'The request failed on the server; its log has the details. Try again, and report it if it persists.' },
    unexpected: true,
  };
}
