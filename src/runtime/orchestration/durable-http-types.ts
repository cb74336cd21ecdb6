import type { RetryOptions } from './retry-policy';

/**
 * An HTTP request made by {@link OrchestrationContext.callHttp}. Everything in it is stored
 * in the orchestration's history, so keep secrets out of it (pass a reference the receiver
 * resolves, or call from an activity of your own).
 */
export interface DurableHttpRequest {
  /** `GET`, `POST`, `PUT`, `DELETE`, ... (case-insensitive; sent upper-case). */
  readonly method: string;
  /** An absolute `http:` or `https:` URL. */
  readonly url: string;
  /** Request headers, names to values. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request body as text (`JSON.stringify` objects yourself and set `content-type`). Not allowed for GET and HEAD. */
  readonly body?: string;
}

/** The response {@link OrchestrationContext.callHttp} completes with (the last one, when it polled). */
export interface DurableHttpResponse {
  readonly statusCode: number;
  /** Response headers, with lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The response body as text (empty when there was none). */
  readonly content: string;
}

/** Options of {@link OrchestrationContext.callHttp}. */
export interface CallHttpOptions {
  /**
   * Follow the asynchronous HTTP pattern: while the response is `202 Accepted` with a
   * `Location` header, wait (on a durable timer) for its `Retry-After` (seconds or an HTTP
   * date) or `pollingInterval`, then `GET` the location with the request's headers. True by
   * default; with false the `202` response is returned as it is.
   */
  readonly asynchronousPatternEnabled?: boolean;
  /** Milliseconds between polls when a `202` has no `Retry-After`. Default 30,000. */
  readonly pollingInterval?: number;
  /** Milliseconds each request may take before it fails (as a request that got no response). Default: no limit. */
  readonly requestTimeout?: number;
  /**
   * Retries requests that got no response (unreachable server, broken connection, timeout),
   * on durable timers. Responses of any status, 4xx and 5xx included, are not retried: check
   * `statusCode`.
   */
  readonly retry?: RetryOptions;
}
