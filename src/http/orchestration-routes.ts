import { MAX_PAGE_SIZE } from '../client/page-size';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OrchestrationNotFoundError } from '../errors';
import { OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';
import { jsonBody } from './request-body';
import type { InstanceParams, RouteContext } from './route-context';
import { statusPayload } from './status-payload';

/** The header that carries the token of the next page, both ways. */
export const CONTINUATION_HEADER = 'x-ms-continuation-token';
/** Seconds a poller of a running instance is asked to wait (`Retry-After`), as Durable Functions asks. */
const STATUS_RETRY_AFTER_SECONDS = 5;

/** While an instance has one of these statuses its status query answers `202` and `Location`. */
const IN_PROGRESS: ReadonlySet<string> = new Set([
  OrchestrationRuntimeStatus.Pending,
  OrchestrationRuntimeStatus.Running,
  OrchestrationRuntimeStatus.Suspended,
  OrchestrationRuntimeStatus.ContinuedAsNew,
]);

/** The continuation token a listing request carries, if any. */
export function continuationOf(request: FastifyRequest): string | undefined {
  const token = request.headers[CONTINUATION_HEADER];
  const value = Array.isArray(token) ? token[0] : token;
  return value === undefined || value === '' || value === 'null' ? undefined : value;
}

/** `POST /orchestrators/{name}[/{instanceId}]`, `GET /instances/{id}`, `GET /instances`. */
export function registerOrchestrationRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const start = async (request: FastifyRequest<{ Params: { functionName: string; instanceId?: string } }>, reply: FastifyReply) => {
    const { functionName, instanceId } = request.params;
    const input = jsonBody(request);
    const handle = await ctx.traced(request, () => ctx.client.startNew(functionName, input, instanceId === undefined ? undefined : { instanceId }));
    return ctx.accepted(request, reply, handle.instanceId);
  };
  app.post('/orchestrators/:functionName', start);
  app.post('/orchestrators/:functionName/:instanceId', start);

  app.get<{ Params: InstanceParams }>('/instances/:instanceId', async (request, reply) => {
    const query = ctx.query(request);
    const options = {
      showInput: query.boolean('showInput', true),
      showHistory: query.boolean('showHistory', false),
      showHistoryOutput: query.boolean('showHistoryOutput', false),
    };
    const failureAs500 = query.boolean('returnInternalServerErrorOnFailure', false);
    const { instanceId } = request.params;
    const status = await ctx.client.getStatus(instanceId, { showHistory: options.showHistory, showInput: options.showInput });
    if (!status) throw new OrchestrationNotFoundError(instanceId);
    if (IN_PROGRESS.has(status.runtimeStatus)) {
      reply.code(202).header('location', `${request.protocol}://${request.host}${request.url}`).header('retry-after', String(STATUS_RETRY_AFTER_SECONDS));
    } else {
      reply.code(status.runtimeStatus === OrchestrationRuntimeStatus.Failed && failureAs500 ? 500 : 200);
    }
    return statusPayload(status, options);
  });

  app.get('/instances', async (request, reply) => {
    const query = ctx.query(request);
    const showInput = query.boolean('showInput', true);
    const runtimeStatus = query.runtimeStatuses('runtimeStatus');
    const createdTimeFrom = query.date('createdTimeFrom');
    const createdTimeTo = query.date('createdTimeTo');
    const instanceIdPrefix = query.string('instanceIdPrefix');
    const name = query.string('name');
    const pageSize = query.integer('top', 1, MAX_PAGE_SIZE);
    const continuationToken = continuationOf(request);
    const page = await ctx.client.insights.findInstances({
      ...(name ? { name } : {}),
      ...(runtimeStatus ? { runtimeStatus } : {}),
      ...(createdTimeFrom ? { createdTimeFrom } : {}),
      ...(createdTimeTo ? { createdTimeTo } : {}),
      ...(instanceIdPrefix ? { instanceIdPrefix } : {}),
      ...(pageSize === undefined ? {} : { pageSize }),
      ...(continuationToken === undefined ? {} : { continuationToken }),
    });
    if (page.continuationToken !== undefined) reply.header(CONTINUATION_HEADER, page.continuationToken);
    return page.instances.map((status) => statusPayload(status, { showInput, showHistory: false, showHistoryOutput: false }));
  });
}
