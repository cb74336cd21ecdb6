import { InvalidOptionsError } from '../errors';
import { assertValidInstanceId } from '../runtime/orchestration/orchestration-ids';

/** Where the HTTP API's routes live on a server, as in Durable Functions. */
export const DURABLE_TASK_WEBHOOK_PATH = '/runtime/webhooks/durabletask';

/** Seconds a client should wait before polling again, sent as `Retry-After` with a `202`. */
export const CHECK_STATUS_RETRY_AFTER_SECONDS = 10;

/**
 * The management URLs of one orchestration instance (the Durable Functions field names).
 * Every URL carries the key the caller used, as `code=`, when there was one.
 */
export interface HttpManagementPayload {
  readonly id: string;
  /** `GET`: the instance's status; `202` while it runs, `200` once it ended. */
  readonly statusQueryGetUri: string;
  /** `POST` with a JSON body, after replacing `{eventName}`: raises an external event. */
  readonly sendEventPostUri: string;
  /** `POST`, after replacing `{text}`: terminates the instance. */
  readonly terminatePostUri: string;
  /** `DELETE`: purges the ended instance and its history. */
  readonly purgeHistoryDeleteUri: string;
  /** `POST`, after replacing `{text}`: suspends the instance. */
  readonly suspendPostUri: string;
  /** `POST`, after replacing `{text}`: resumes a suspended instance. */
  readonly resumePostUri: string;
  /** `POST`, after replacing `{text}`: retries a Failed instance from where it failed. */
  readonly rewindPostUri: string;
  /** `POST`: runs an ended instance again from the start, under a new id (`restartWithNewInstanceId=false`: its own). */
  readonly restartPostUri: string;
}

/** The `202 Accepted` reply of the async HTTP pattern, ready to send with any framework. */
export interface CheckStatusResponse {
  readonly status: 202;
  /** `Location` (the status URL), `Retry-After` and `Content-Type`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: HttpManagementPayload;
}

/**
 * A request the management URLs are derived from: its URL (absolute, or a path with a
 * `Host` header), e.g. a fastify or Node.js `IncomingMessage` request, a WHATWG `Request`,
 * a `URL` or a URL string.
 */
export type HttpRequestLike =
  | string
  | URL
  | {
      readonly url?: string;
      readonly headers?: unknown;
      /** `http` or `https`, as fastify and Express requests carry it. */
      readonly protocol?: string;
    };

/** Options of `createCheckStatusResponse` and `createHttpManagementPayload`. */
export interface HttpManagementOptions {
  /**
   * Where the HTTP API is served, e.g. `https://api.example.com/runtime/webhooks/durabletask`.
   * Default: the request's origin with `/runtime/webhooks/durabletask`; without a request,
   * the URL of the first `serveHttp` server started with this client.
   */
  baseUrl?: string;
  /** The key the URLs carry as `code=`. Default: the key the request carried, if any. */
  key?: string;
  /** Adds `returnInternalServerErrorOnFailure=true` to the status URL. */
  returnInternalServerErrorOnFailure?: boolean;
}

/** The value of header `name` (lower case) of a Node.js-style or WHATWG request, if present. */
export function headerOf(request: HttpRequestLike, name: string): string | undefined {
  if (typeof request !== 'object' || request instanceof URL || request.headers === undefined || request.headers === null) return undefined;
  const headers = request.headers as { get?: unknown } & Record<string, unknown>;
  const value = typeof headers.get === 'function' ? (headers.get as (n: string) => unknown)(name) : headers[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The absolute URL of a request; throws an `InvalidOptionsError` if it cannot be told. */
export function requestUrl(request: HttpRequestLike): URL {
  if (request instanceof URL) return request;
  const raw = typeof request === 'string' ? request : request?.url;
  if (typeof raw !== 'string') {
    throw new InvalidOptionsError(`createCheckStatusResponse needs a request with a url (a URL, a URL string, or a fastify, Node.js or fetch request).`);
  }
  if (/^https?:\/\//i.test(raw)) return new URL(raw);
  const host = headerOf(request, 'host');
  if (host === undefined) {
    throw new InvalidOptionsError(
      `The request's url '${raw.slice(0, 80)}' is a path and the request has no Host header: pass an absolute URL or options.baseUrl.`,
    );
  }
  const protocol = typeof request === 'object' && typeof request.protocol === 'string' ? request.protocol.replace(/:$/, '') : 'http';
  return new URL(raw, `${protocol}://${host}`);
}

/**
 * The API key a request carries: `?code=` as in Durable Functions, an `x-functions-key`
 * header, or `Authorization: Bearer <key>`, in that order.
 */
export function requestKey(request: HttpRequestLike): string | undefined {
  const code = typeof request === 'string' || request instanceof URL || typeof request?.url === 'string' ? codeOf(request) : undefined;
  if (code !== undefined) return code;
  const header = headerOf(request, 'x-functions-key');
  if (header !== undefined && header !== '') return header;
  const authorization = headerOf(request, 'authorization');
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  return bearer;
}

function codeOf(request: HttpRequestLike): string | undefined {
  const raw = request instanceof URL ? request.href : typeof request === 'string' ? request : (request.url ?? '');
  const query = raw.indexOf('?');
  if (query < 0) return undefined;
  const code = new URLSearchParams(raw.slice(query + 1)).get('code');
  return code === null || code === '' ? undefined : code;
}

/** The management URLs of `instanceId` under the API at `baseUrl`, carrying `key` when given. */
export function managementPayload(
  baseUrl: string,
  instanceId: string,
  key: string | undefined,
  returnInternalServerErrorOnFailure = false,
): HttpManagementPayload {
  assertValidInstanceId(instanceId);
  const base = checkedBaseUrl(baseUrl);
  const instance = `${base}/instances/${encodeURIComponent(instanceId)}`;
  const code = key === undefined ? '' : `code=${encodeURIComponent(key)}`;
  const query = (...parts: string[]): string => {
    const all = [...parts, code].filter((part) => part !== '');
    return all.length === 0 ? '' : `?${all.join('&')}`;
  };
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}${query(returnInternalServerErrorOnFailure ? 'returnInternalServerErrorOnFailure=true' : '')}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}${query()}`,
    terminatePostUri: `${instance}/terminate${query('reason={text}')}`,
    purgeHistoryDeleteUri: `${instance}${query()}`,
    suspendPostUri: `${instance}/suspend${query('reason={text}')}`,
    resumePostUri: `${instance}/resume${query('reason={text}')}`,
    rewindPostUri: `${instance}/rewind${query('reason={text}')}`,
    restartPostUri: `${instance}/restart${query()}`,
  };
}

/** The `202` reply for `instanceId`, its URLs derived from `request` (see {@link HttpManagementOptions}). */
export function checkStatusResponse(request: HttpRequestLike, instanceId: string, options: HttpManagementOptions = {}): CheckStatusResponse {
  const baseUrl = options.baseUrl ?? `${requestUrl(request).origin}${DURABLE_TASK_WEBHOOK_PATH}`;
  const body = managementPayload(baseUrl, instanceId, options.key ?? requestKey(request), options.returnInternalServerErrorOnFailure);
  return {
    status: 202,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      location: body.statusQueryGetUri,
      'retry-after': String(CHECK_STATUS_RETRY_AFTER_SECONDS),
    },
    body,
  };
}

function checkedBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new InvalidOptionsError(
      `baseUrl must be an absolute http(s) URL such as 'https://api.example.com${DURABLE_TASK_WEBHOOK_PATH}', got '${String(baseUrl)}'.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidOptionsError(`baseUrl must be an http or https URL, got '${baseUrl}'.`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
