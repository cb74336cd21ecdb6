import { newInstanceId } from '../runtime/random-ids';
import type { FastifyInstance } from 'fastify';
import type { DurableClient } from '../client/durable-client';
import type { OrchestrationStatus } from '../client/orchestration-handle';
import { OrchestrationNotFoundError, OrchestrationNotRunningError, OrchestrationStillRunningError } from '../errors';
import { OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';
import { HttpApiError, HttpErrorCode } from './http-errors';
import { strictJsonBody } from './request-body';
import type { InstanceParams, RouteContext } from './route-context';

/** The statuses of an instance that has ended (as Durable Functions counts them): it may be purged, not commanded. */
const ENDED: readonly string[] = [
  OrchestrationRuntimeStatus.Completed,
  OrchestrationRuntimeStatus.Failed,
  OrchestrationRuntimeStatus.Terminated,
  OrchestrationRuntimeStatus.Canceled,
];

/** The instance's status; `404` when it does not exist, `410` when `mustRun` and it has ended. */
async function statusOf(client: DurableClient, instanceId: string, mustRun: boolean): Promise<OrchestrationStatus> {
  const status = await client.getStatus(instanceId, { showInput: false });
  if (!status) throw new OrchestrationNotFoundError(instanceId);
  if (mustRun && ENDED.includes(status.runtimeStatus)) {
    throw new OrchestrationNotRunningError(
      instanceId,
      `Orchestration instance '${instanceId}' has ended (${status.runtimeStatus}) and takes no more events or commands.`,
    );
  }
  return status;
}

/**
 * Events and commands to one instance (`raiseEvent`, `terminate`, `suspend`, `resume`:
 * `202`, `404` unknown, `410` ended), `rewind` and `restart` of an ended one, and purges
 * (`DELETE /instances/{id}`, `DELETE /instances`).
 */
export function registerInstanceControlRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { client } = ctx;

  app.post<{ Params: InstanceParams & { eventName: string } }>('/instances/:instanceId/raiseEvent/:eventName', async (request, reply) => {
    const { instanceId, eventName } = request.params;
    const data = strictJsonBody(request);
    await statusOf(client, instanceId, true);
    await ctx.traced(request, () => client.raiseEvent(instanceId, eventName, data));
    return reply.code(202).send();
  });

  for (const command of ['terminate', 'suspend', 'resume'] as const) {
    app.post<{ Params: InstanceParams }>(`/instances/:instanceId/${command}`, async (request, reply) => {
      const { instanceId } = request.params;
      const reason = ctx.query(request).string('reason');
      await statusOf(client, instanceId, true);
      await client[command](instanceId, reason);
      return reply.code(202).send();
    });
  }

  app.post<{ Params: InstanceParams }>('/instances/:instanceId/rewind', async (request, reply) => {
    const reason = ctx.query(request).string('reason');
    await client.rewind(request.params.instanceId, reason);
    return reply.code(202).send();
  });

  // As in Durable Functions, a restart runs under a new instance id unless told otherwise.
  app.post<{ Params: InstanceParams }>('/instances/:instanceId/restart', async (request, reply) => {
    const { instanceId } = request.params;
    const withNewId = ctx.query(request).boolean('restartWithNewInstanceId', true);
    const handle = await client.restart(instanceId, withNewId ? { newInstanceId: newInstanceId() } : {});
    return ctx.accepted(request, reply, handle.instanceId);
  });

  app.delete<{ Params: InstanceParams }>('/instances/:instanceId', async (request) => {
    const { instanceId } = request.params;
    const status = await statusOf(client, instanceId, false);
    if (!ENDED.includes(status.runtimeStatus)) throw new OrchestrationStillRunningError(instanceId, status.runtimeStatus);
    return client.purgeInstanceHistory(instanceId);
  });

  app.delete('/instances', async (request) => {
    const query = ctx.query(request);
    const createdTimeFrom = query.date('createdTimeFrom');
    if (createdTimeFrom === undefined) {
      throw new HttpApiError(
        HttpErrorCode.BadRequest,
        `Purging by filter needs createdTimeFrom (ISO 8601, e.g. ?createdTimeFrom=2026-01-01T00:00:00Z), so that a request without filters cannot purge everything.`,
      );
    }
    const runtimeStatus = query.runtimeStatuses('runtimeStatus');
    const result = await client.purgeInstances({
      createdTimeFrom,
      createdTimeTo: query.date('createdTimeTo') ?? new Date(),
      ...(runtimeStatus ? { runtimeStatus } : {}),
    });
    if (result.instancesDeleted === 0)
      throw new OrchestrationNotFoundError('*', `No ended instance matches the filter; nothing was purged. Check the filter's times and statuses.`);
    return result;
  });
}
