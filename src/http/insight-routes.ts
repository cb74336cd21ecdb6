import type { FastifyInstance } from 'fastify';
import { Observable, firstValueFrom } from 'rxjs';
import type { InstanceChange, InstanceCounts } from '../client/client-insights';
import type { EntityChange } from '../client/entity-types';
import { changeBatches } from './change-batches';
import type { StreamEvent } from './event-streams';
import type { RouteContext } from './route-context';
import { wholeSeconds } from './status-payload';

/** How often the stats stream sends a `stats` event. */
const STATS_INTERVAL_MS = 1_000;

/** An instance change as the streams send it: the list fields, or `deleted`. */
export interface InstanceChangePayload {
  readonly instanceId: string;
  readonly name?: string;
  readonly runtimeStatus?: string;
  readonly createdTime?: string;
  readonly lastUpdatedTime?: string;
  /** The instance was purged. */
  readonly deleted?: true;
}

/** An entity change as the key stream sends it: the key and its last operation time, or `deleted`. */
export interface EntityChangePayload {
  readonly key: string;
  /** When its last operation was applied (ISO 8601, whole seconds); absent when deleted. */
  readonly lastOperationTime?: string;
  /** The entity was deleted. */
  readonly deleted?: true;
}

/** The body of `GET /stats` and of each `stats` event. */
export interface StatsPayload {
  /** When this was measured (ISO 8601). */
  readonly time: string;
  /** Instances by runtime status, and `total`. */
  readonly instances: InstanceCounts;
  /** Operations applied per second since the previous event (0 in `GET /stats`). */
  readonly operationsPerSecond: number;
  readonly applied: number;
  readonly failed: number;
  readonly backlog: number;
  readonly scheduled: number;
  readonly deadLettered: number;
  readonly partitions: readonly number[];
  readonly haltedPartitions: readonly number[];
}

/**
 * Routes for monitors and the dashboard, beyond Durable Functions:
 * - `GET /stats`: counts of instances by status and the engine's counters;
 * - `GET /streams/stats`: the same as `stats` events every second, with operations per second;
 * - `GET /streams/instances[?instanceId=]`: `changes` events, each an array of instance
 *   changes committed in the last 250 ms (`reload` when there were too many to send);
 * - `GET /streams/entities/{name}`: the same for the keys of one entity name: `changes`
 *   events of keys with their last operation time, or `deleted`;
 * - `GET /entity-names`: the entity names, sorted.
 */
export function registerInsightRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const insights = ctx.client.insights;
  const measure = (counts: InstanceCounts, operationsPerSecond: number): StatsPayload => {
    const stats = insights.stats();
    return {
      time: new Date().toISOString(),
      instances: counts,
      operationsPerSecond,
      applied: stats.applied,
      failed: stats.failed,
      backlog: stats.backlog,
      scheduled: stats.scheduled,
      deadLettered: stats.deadLettered,
      partitions: stats.partitions,
      haltedPartitions: stats.haltedPartitions,
    };
  };

  app.get('/stats', async () => measure(await firstValueFrom(insights.instanceCounts$()), 0));

  app.get('/streams/stats', async (request, reply) => {
    const events$ = new Observable<StreamEvent>((subscriber) => {
      let counts: InstanceCounts | undefined;
      let previous = { applied: insights.stats().applied, at: Date.now() };
      const send = (): void => {
        if (counts === undefined) return;
        const now = Date.now();
        const applied = insights.stats().applied;
        const seconds = Math.max((now - previous.at) / 1000, 0.001);
        const rate = Math.max(0, Math.round(((applied - previous.applied) / seconds) * 10) / 10);
        previous = { applied, at: now };
        subscriber.next({ event: 'stats', data: measure(counts, rate) });
      };
      const counting = insights.instanceCounts$().subscribe({
        next: (next) => {
          const first = counts === undefined;
          counts = next;
          if (first) send();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      const timer = setInterval(send, STATS_INTERVAL_MS);
      return () => {
        clearInterval(timer);
        counting.unsubscribe();
      };
    });
    ctx.streams.pipe(request, reply, events$);
  });

  app.get('/streams/instances', async (request, reply) => {
    const instanceId = ctx.query(request).string('instanceId');
    const changes$ = insights.instanceChanges$(instanceId === '' ? undefined : instanceId);
    ctx.streams.pipe(
      request,
      reply,
      changeBatches(changes$, (change) => change.instanceId, changePayload),
    );
  });

  app.get<{ Params: { entityName: string } }>('/streams/entities/:entityName', async (request, reply) => {
    const changes$ = ctx.client.entityChanges$(request.params.entityName);
    ctx.streams.pipe(
      request,
      reply,
      changeBatches(changes$, (change) => change.id.key, entityChangePayload),
    );
  });

  app.get('/entity-names', async () => insights.entityNames());
}

function changePayload(change: InstanceChange): InstanceChangePayload {
  const summary = change.summary;
  if (!summary) return { instanceId: change.instanceId, deleted: true };
  return {
    instanceId: summary.instanceId,
    name: summary.name,
    runtimeStatus: summary.runtimeStatus,
    createdTime: wholeSeconds(summary.createdTime),
    lastUpdatedTime: wholeSeconds(summary.lastUpdatedTime),
  };
}

function entityChangePayload(change: EntityChange<unknown>): EntityChangePayload {
  if (!change.exists) return { key: change.id.key, deleted: true };
  return { key: change.id.key, lastOperationTime: wholeSeconds(change.lastModified) };
}
