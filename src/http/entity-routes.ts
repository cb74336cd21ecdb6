import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EntityId } from '../registry/entity-id';
import { InvalidOptionsError } from '../errors';
import { toPlain } from '../runtime/value-codec';
import { HttpApiError, HttpErrorCode } from './http-errors';
import { MAX_PAGE_SIZE } from '../client/page-size';
import { CONTINUATION_HEADER, continuationOf } from './orchestration-routes';
import { operationInput } from './request-body';
import type { EntityParams, RouteContext } from './route-context';
import { wholeSeconds } from './status-payload';

/** The name of the operation every entity has, which `DELETE /entities/{name}/{key}` signals. */
const DELETE_OPERATION = 'delete';

/** One entity of a listing (the Durable Functions field names). */
export interface EntityListItem {
  readonly entityId: { readonly name: string; readonly key: string };
  readonly lastOperationTime: string;
  /** The time of the last committed change (the same instant as `lastOperationTime`). */
  readonly lastModifiedTime: string;
  /** The orchestration instance holding the entity's lock, if any. */
  readonly lockedBy?: string;
  /** Messages queued behind that lock. */
  readonly backlogQueueSize: number;
  /** With `fetchState=true`. */
  readonly state?: unknown;
}

/**
 * Entities: signal (`POST ?op=`, `202`), delete (`DELETE`, `202`), read (`GET`, `200`
 * or `404`), list (`GET /entities[/{name}]`) and, beyond Durable Functions, call with a
 * result (`POST /entities/{name}/{key}/call/{operation}`, `200`).
 */
export function registerEntityRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { client } = ctx;
  const idOf = (params: EntityParams): EntityId => ({ name: params.entityName, key: params.entityKey });

  app.post<{ Params: EntityParams }>('/entities/:entityName/:entityKey', async (request, reply) => {
    const operation = ctx.query(request).string('op');
    if (operation === undefined || operation === '') {
      throw new InvalidOptionsError(`Name the operation to signal with ?op=<operation>, e.g. POST .../entities/Counter/visits?op=add.`);
    }
    const input = operationInput(request);
    await ctx.traced(request, () => client.signalEntity(idOf(request.params), operation, input));
    return reply.code(202).send();
  });

  app.delete<{ Params: EntityParams }>('/entities/:entityName/:entityKey', async (request, reply) => {
    await ctx.traced(request, () => client.signalEntity(idOf(request.params), DELETE_OPERATION));
    return reply.code(202).send();
  });

  app.get<{ Params: EntityParams }>('/entities/:entityName/:entityKey', async (request) => {
    const id = idOf(request.params);
    const response = await client.readEntityState(id);
    if (!response.entityExists) {
      throw new HttpApiError(
        HttpErrorCode.EntityNotFound,
        `Entity '${id.name}' with key '${id.key}' has no state: it was never operated on, or it was deleted.`,
      );
    }
    return toPlain(response.entityState, `state of ${id.name}/${id.key}`) ?? null;
  });

  app.post<{ Params: EntityParams & { operation: string } }>('/entities/:entityName/:entityKey/call/:operation', async (request, reply) => {
    const input = operationInput(request);
    const result = await ctx.traced(request, () => client.callEntity(idOf(request.params), request.params.operation, input));
    return reply
      .code(200)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(result === undefined ? null : result));
  });

  const list = async (request: FastifyRequest, reply: FastifyReply, name: string | undefined) => {
    const query = ctx.query(request);
    const fetchState = query.boolean('fetchState', false);
    const lastOperationFrom = query.date('lastOperationTimeFrom');
    const lastOperationTo = query.date('lastOperationTimeTo');
    const pageSize = query.integer('top', 1, MAX_PAGE_SIZE);
    const continuationToken = continuationOf(request);
    const page = await client.listEntities({
      ...(name === undefined ? {} : { name }),
      fetchState,
      ...(lastOperationFrom ? { lastOperationFrom } : {}),
      ...(lastOperationTo ? { lastOperationTo } : {}),
      ...(pageSize === undefined ? {} : { pageSize }),
      ...(continuationToken === undefined ? {} : { continuationToken }),
    });
    if (page.continuationToken !== undefined) reply.header(CONTINUATION_HEADER, page.continuationToken);
    return page.entities.map((entity): EntityListItem => ({
      entityId: { name: entity.id.name, key: entity.id.key },
      lastOperationTime: wholeSeconds(entity.lastOperationTime),
      lastModifiedTime: wholeSeconds(entity.lastModifiedTime),
      ...(entity.lockedBy === undefined ? {} : { lockedBy: entity.lockedBy }),
      backlogQueueSize: entity.backlogQueueSize,
      ...(fetchState ? { state: toPlain(entity.state, `state of ${entity.id.name}/${entity.id.key}`) ?? null } : {}),
    }));
  };
  app.get('/entities', (request, reply) => list(request, reply, undefined));
  app.get<{ Params: { entityName: string } }>('/entities/:entityName', (request, reply) => list(request, reply, request.params.entityName));
}
