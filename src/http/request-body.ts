import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpApiError, HttpErrorCode } from './http-errors';

/**
 * Makes every request body in this plugin's scope arrive as text (up to `bodyLimit` bytes,
 * `413` beyond), whatever its content type: each route decides how to read it, as Durable
 * Functions does (a start body is JSON whatever its type; an entity input is JSON only when
 * sent as `application/json`).
 */
export function acceptBodiesAsText(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  const asText = (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void) => done(null, body);
  // The usual types by name first: fastify matches a named type without parsing the header.
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit }, asText);
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, asText);
}

function text(request: FastifyRequest): string {
  return typeof request.body === 'string' ? request.body : '';
}

function isJsonMediaType(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type);
}

/** The body parsed as JSON, or `undefined` when it is empty; a `400` when it is not JSON. */
export function jsonBody(request: FastifyRequest): unknown {
  const body = text(request);
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new HttpApiError(
      HttpErrorCode.InvalidJson,
      `The request body is not valid JSON (${(error as Error).message}). Send a JSON value such as {"amount": 5}, "text" or 42, or no body.`,
    );
  }
}

/** A body that must be JSON when present: refused (`400`) when sent with another content type. */
export function strictJsonBody(request: FastifyRequest): unknown {
  if (text(request).trim() !== '' && !isJsonMediaType(request)) {
    throw new HttpApiError(
      HttpErrorCode.UnsupportedMediaType,
      `This route takes a JSON body: send it with Content-Type: application/json (curl: -H 'Content-Type: application/json').`,
    );
  }
  return jsonBody(request);
}

/** An entity operation's input: JSON when sent as `application/json`, otherwise the text itself (none when empty). */
export function operationInput(request: FastifyRequest): unknown {
  const body = text(request);
  if (body === '') return undefined;
  return isJsonMediaType(request) ? jsonBody(request) : body;
}
