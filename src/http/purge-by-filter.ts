import type { DurableClient } from '../client/durable-client';
import { InvalidOptionsError, OrchestrationNotFoundError, OrchestrationStillRunningError } from '../errors';
import { OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';

/** The statuses an instance may have to be purged (as in Durable Functions). */
export const PURGEABLE_STATUSES: readonly OrchestrationRuntimeStatus[] = [
  OrchestrationRuntimeStatus.Completed,
  OrchestrationRuntimeStatus.Failed,
  OrchestrationRuntimeStatus.Terminated,
  OrchestrationRuntimeStatus.Canceled,
];

/** Which instances `DELETE /instances` purges. */
export interface PurgeFilter {
  readonly createdTimeFrom: Date;
  readonly createdTimeTo: Date;
  /** Default: every ended status. Only ended statuses are accepted. */
  readonly runtimeStatus?: readonly OrchestrationRuntimeStatus[];
  readonly instanceIdPrefix?: string;
}

const LIST_PAGE_SIZE = 1000;

/**
 * Purges the ended instances that match `filter` through the public client: lists them
 * all first, then purges them one by one, and returns how many were deleted. An instance
 * that was purged or restarted in between is skipped. When the client offers a purge by
 * filter of its own, this becomes a call to it.
 */
export async function purgeByFilter(client: DurableClient, filter: PurgeFilter): Promise<number> {
  const statuses = filter.runtimeStatus ?? PURGEABLE_STATUSES;
  const running = statuses.filter((status) => !PURGEABLE_STATUSES.includes(status));
  if (running.length > 0) {
    throw new InvalidOptionsError(
      `Only ended instances can be purged, so runtimeStatus may only list ${PURGEABLE_STATUSES.join(', ')}; it lists ${running.join(', ')}. Terminate those instances first.`,
    );
  }
  const ids: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await client.listInstances({
      runtimeStatus: statuses,
      createdTimeFrom: filter.createdTimeFrom,
      createdTimeTo: filter.createdTimeTo,
      ...(filter.instanceIdPrefix === undefined ? {} : { instanceIdPrefix: filter.instanceIdPrefix }),
      pageSize: LIST_PAGE_SIZE,
      ...(continuationToken === undefined ? {} : { continuationToken }),
    });
    ids.push(...page.instances.map((status) => status.instanceId));
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);

  let deleted = 0;
  for (const instanceId of ids) {
    try {
      deleted += (await client.purgeInstanceHistory(instanceId)).instancesDeleted;
    } catch (error) {
      if (!(error instanceof OrchestrationNotFoundError) && !(error instanceof OrchestrationStillRunningError)) throw error;
    }
  }
  return deleted;
}
