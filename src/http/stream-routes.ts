import type { FastifyInstance } from 'fastify';
import { map } from 'rxjs';
import { OrchestrationNotFoundError } from '../errors';
import { toPlain } from '../runtime/value-codec';
import { isTerminalStatus, OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';
import type { StreamEvent } from './event-streams';
import type { EntityParams, InstanceParams, RouteContext } from './route-context';
import { statusPayload } from './status-payload';

/**
 * Server-sent event streams, beyond Durable Functions:
 * - `GET /entities/{name}/{key}/stream`: `state` events with each committed state (the
 *   current one first), `deleted` events when it is deleted (nothing until an entity that does not exist yet is first committed);
 * - `GET /instances/{id}/stream`: `status` events (the status query's body) with the current
 *   status and each committed change; the stream ends after the instance ended.
 */
export function registerStreamRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { client, streams } = ctx;

  app.get<{ Params: EntityParams }>('/entities/:entityName/:entityKey/stream', async (request, reply) => {
    const id = { name: request.params.entityName, key: request.params.entityKey };
    const events$ = client
      .entityState$(id)
      .pipe(
        map((response): StreamEvent =>
          response.entityExists
            ? { event: 'state', data: toPlain(response.entityState, `state of ${id.name}/${id.key}`) ?? null }
            : { event: 'deleted', data: { entityId: id } },
        ),
      );
    streams.pipe(request, reply, events$);
  });

  app.get<{ Params: InstanceParams }>('/instances/:instanceId/stream', async (request, reply) => {
    const { instanceId } = request.params;
    const showInput = ctx.query(request).boolean('showInput', false);
    if (!(await client.getStatus(instanceId))) throw new OrchestrationNotFoundError(instanceId);
    const events$ = client.getHandle(instanceId).status$.pipe(
      map((status): StreamEvent => ({
        event: 'status',
        data: statusPayload(status, { showInput, showHistory: false, showHistoryOutput: false }),
        // ContinuedAsNew hands over to the next execution of the same instance.
        last: isTerminalStatus(status.runtimeStatus) && status.runtimeStatus !== OrchestrationRuntimeStatus.ContinuedAsNew,
      })),
    );
    streams.pipe(request, reply, events$);
  });
}
