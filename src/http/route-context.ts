import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DurableClient } from '../client/durable-client';
import { checkStatusResponse } from '../client/http-management';
import type { ApiKeys } from './api-keys';
import type { EventStreams } from './event-streams';
import { QueryParams, type Query } from './query-params';
import { telemetry } from '../telemetry/telemetry';

/** What every route of one mounted HTTP API shares. */
export class RouteContext {
  constructor(
    readonly client: DurableClient,
    readonly keys: ApiKeys,
    readonly streams: EventStreams,
    /** The path the routes are mounted under, including any prefix of the enclosing server. */
    private readonly mountPath: string,
  ) {}

  /** The API's base URL as the caller reached it, e.g. `http://127.0.0.1:7071/runtime/webhooks/durabletask`. */
  baseUrl(request: FastifyRequest): string {
    return `${request.protocol}://${request.host}${this.mountPath}`;
  }

  /** Typed reads of the request's query string. */
  query(request: FastifyRequest): QueryParams {
    return new QueryParams(request.query as Query);
  }

  /**
   * Runs `send` (a client call) as part of the trace the request's W3C `traceparent` header
   * names, so the call's span is a child of the caller's.
   */
  traced<T>(request: FastifyRequest, send: () => Promise<T>): Promise<T> {
    const header = request.headers.traceparent;
    return telemetry().withTraceParent(Array.isArray(header) ? header[0] : header, send);
  }

  /** Answers `202 Accepted` with `Location`, `Retry-After` and the instance's management URLs (carrying the caller's key). */
  accepted(request: FastifyRequest, reply: FastifyReply, instanceId: string): FastifyReply {
    const response = checkStatusResponse(request.raw, instanceId, { baseUrl: this.baseUrl(request), ...keyOption(this.keys.keyOf(request)) });
    return reply.code(response.status).headers(response.headers).send(response.body);
  }
}

function keyOption(key: string | undefined): { key?: string } {
  return key === undefined ? {} : { key };
}

/** Path parameters of the routes, as fastify decodes them. */
export interface InstanceParams {
  readonly instanceId: string;
}
export interface EntityParams {
  readonly entityName: string;
  readonly entityKey: string;
}
