import { ActivityFailedError, ErrorCode, HttpCallFailedError, InvalidOptionsError } from '../../errors';
import { DurableTask } from './durable-task';
import type { CallHttpOptions, DurableHttpRequest, DurableHttpResponse } from './durable-http-types';

/** The name of the built-in activity that makes durable HTTP requests; `$` keeps it apart from user activities. */
export const HTTP_ACTIVITY = '$http';

/** Polling interval when a `202 Accepted` carries no `Retry-After`, as in Durable Functions. */
export const DEFAULT_HTTP_POLLING_INTERVAL_MS = 30_000;

/** What a durable HTTP call needs from the context. */
export interface HttpCallDeps {
  /** Schedules one request as the built-in activity (with the retry policy, when there is one). */
  request(request: DurableHttpRequest): DurableTask<unknown>;
  timer(fireAt: number): DurableTask<void>;
  /** The orchestration time of the turn running now. */
  now(): number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A copy of `request` with the method upper-cased, or an `InvalidOptionsError` saying what to fix. */
export function checkHttpRequest(request: unknown): DurableHttpRequest {
  if (typeof request !== 'object' || request === null) {
    throw new InvalidOptionsError(`ctx.callHttp() needs a request object { method, url, headers?, body? }, got ${String(request)}.`);
  }
  const { method, url, headers, body } = request as Record<string, unknown>;
  if (typeof method !== 'string' || !TOKEN.test(method)) {
    throw new InvalidOptionsError(`ctx.callHttp() needs an HTTP method such as 'GET' or 'POST', got ${JSON.stringify(method)}.`);
  }
  const upper = method.toUpperCase();
  checkUrl(url, 'ctx.callHttp()');
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
      throw new InvalidOptionsError(
        `ctx.callHttp() headers must be an object of header names to string values, got ${Array.isArray(headers) ? 'an array' : String(headers)}.`,
      );
    }
    for (const [name, value] of Object.entries(headers)) {
      if (!TOKEN.test(name)) throw new InvalidOptionsError(`ctx.callHttp() header name ${JSON.stringify(name)} is not a valid HTTP header name.`);
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
        throw new InvalidOptionsError(
          `ctx.callHttp() header '${name}' must be a string without line breaks, got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}. Convert numbers with String().`,
        );
      }
    }
  }
  if (body !== undefined) {
    if (typeof body !== 'string') {
      throw new InvalidOptionsError(
        `ctx.callHttp() body must be a string, got ${typeof body}. Send JSON as body: JSON.stringify(value) with headers { 'content-type': 'application/json' }.`,
      );
    }
    if (upper === 'GET' || upper === 'HEAD')
      throw new InvalidOptionsError(`ctx.callHttp() cannot send a body with ${upper}; use POST or PUT, or leave the body out.`);
  }
  return {
    method: upper,
    url: url as string,
    ...(headers === undefined ? {} : { headers: { ...(headers as Record<string, string>) } }),
    ...(body === undefined ? {} : { body }),
  };
}

/** Checks the options of `callHttp`; the numbers are milliseconds. */
export function checkHttpOptions(options: CallHttpOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError(`ctx.callHttp() options must be an object, got ${String(options)}.`);
  if (options.asynchronousPatternEnabled !== undefined && typeof options.asynchronousPatternEnabled !== 'boolean') {
    throw new InvalidOptionsError(`asynchronousPatternEnabled must be true or false, got ${String(options.asynchronousPatternEnabled)}.`);
  }
  for (const key of ['pollingInterval', 'requestTimeout'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      throw new InvalidOptionsError(`${key} must be a positive number of milliseconds, got ${String(value)}.`);
    }
  }
}

function checkUrl(url: unknown, where: string): void {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new InvalidOptionsError(`${where} needs an absolute URL such as 'https://example.com/api', got ${JSON.stringify(url)}.`);
  }
  if (typeof url !== 'string' || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new InvalidOptionsError(`${where} supports http: and https: URLs only, got ${JSON.stringify(url)}.`);
  }
}

/**
 * Makes the request and, while the answer is `202 Accepted` with a `Location`, waits on a
 * durable timer and polls the location. Every decision is taken synchronously from the
 * responses in history (the wait from `Retry-After` and the turn's time), so a replay makes
 * exactly the same requests and timers.
 */
export function callHttp(request: DurableHttpRequest, options: CallHttpOptions | undefined, deps: HttpCallDeps): DurableTask<DurableHttpResponse> {
  const result = new DurableTask<DurableHttpResponse>();
  const polling = options?.asynchronousPatternEnabled ?? true;
  const pollingIntervalMs = options?.pollingInterval ?? DEFAULT_HTTP_POLLING_INTERVAL_MS;
  const send = (current: DurableHttpRequest): void => {
    const task = deps.request(current);
    task.onSettled(() => {
      if (task.isFaulted) {
        result.reject(noResponse(current, task.error!));
        return;
      }
      const response = task.result as DurableHttpResponse;
      const location = response.headers['location'];
      if (!polling || response.statusCode !== 202 || location === undefined) {
        result.resolve(response);
        return;
      }
      let next: string;
      try {
        next = new URL(location, current.url).toString();
        checkUrl(next, 'The Location header of a 202 response');
      } catch (error) {
        result.reject(error as Error);
        return;
      }
      const now = deps.now();
      const waitMs = retryAfterMs(response.headers['retry-after'], now) ?? pollingIntervalMs;
      deps.timer(now + waitMs).onSettled(() => send({ method: 'GET', url: next, ...(request.headers ? { headers: request.headers } : {}) }));
    });
  };
  send(request);
  return result;
}

/** `Retry-After` as milliseconds from `now`: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month ("Wed, 21 Oct 2026 07:28:00 GMT"); Date.parse would also take '-5' for a year.
  if (!/^[A-Za-z]{3}, /.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The built-in activity failed: an `HttpCallFailedError` when the request got no response (or none in time). */
function noResponse(request: DurableHttpRequest, error: Error): Error {
  if (error instanceof ActivityFailedError && (error.remoteCode === ErrorCode.HttpCallFailed || error.remoteCode === ErrorCode.Timeout)) {
    return new HttpCallFailedError(request.method, request.url, error.remoteMessage);
  }
  return error;
}
