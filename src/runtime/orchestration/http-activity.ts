import { ErrorCode, JetstateError } from '../../errors';
import type { DurableHttpRequest, DurableHttpResponse } from './durable-http-types';

/**
 * The built-in activity behind `ctx.callHttp`: one request with Node's `fetch`, aborted with
 * the attempt's signal. Any response, whatever its status, is the result; a request that gets
 * none fails with the `JETSTATE_HTTP_CALL_FAILED` code and the reason, which the orchestration
 * turns into an `HttpCallFailedError`.
 */
export async function sendHttpRequest(request: DurableHttpRequest, signal: AbortSignal): Promise<DurableHttpResponse> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      ...(request.headers ? { headers: request.headers } : {}),
      ...(request.body === undefined ? {} : { body: request.body }),
      signal,
    });
  } catch (error) {
    // An abort carries the attempt's TimeoutError; rethrow it as it is.
    if (signal.aborted && signal.reason instanceof Error) throw signal.reason;
    throw new JetstateError(ErrorCode.HttpCallFailed, describeFetchFailure(error));
  }
  const content = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { statusCode: response.status, headers, content };
}

/** `fetch` says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND...) is in its cause. */
function describeFetchFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${error.message} (${typeof code === 'string' ? `${code}: ` : ''}${cause.message})`;
  }
  return error.message;
}
