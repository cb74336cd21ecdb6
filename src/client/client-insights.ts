import { Observable, ReplaySubject, map, share } from 'rxjs';
import type { Engine, EngineStats } from '../engine/engine';
import { BUILT_IN_PREFIX, type Registry } from '../registry/registry';
import type { EntitySnapshot } from '../runtime/messages';
import { OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';
import { instanceTarget, ORCHESTRATION_TARGET, type StoredInstance } from '../runtime/orchestration/orchestration-target';
import { entitySnapshots$, nameSnapshots$ } from '../rx/state-streams';
import type { InstancesPage, ListInstancesQuery } from './orchestration-handle';

/** Snapshots read per page when a whole listing is scanned (counts, entity names). */
const SCAN_PAGE_SIZE = 10_000;
/** How long the shared count is kept current after its last subscriber left, so a page that reads the counts and then opens its stream pays for one scan. */
const COUNTS_KEPT_MS = 30_000;

/** The status fields of an instance, without its input, output or history: what a list of instances shows. */
export interface InstanceSummary {
  readonly instanceId: string;
  /** The orchestrator's registered name. */
  readonly name: string;
  readonly runtimeStatus: OrchestrationRuntimeStatus;
  readonly createdTime: Date;
  readonly lastUpdatedTime: Date;
}

/** One committed change of an instance: its new summary, or none once it was purged. */
export interface InstanceChange {
  readonly instanceId: string;
  /** Absent when the instance no longer exists (purged). */
  readonly summary?: InstanceSummary;
}

/** How many instances have each runtime status, and how many there are. */
export type InstanceCounts = Readonly<Record<OrchestrationRuntimeStatus, number>> & { readonly total: number };

/** `listInstances`' query plus the orchestrator's name. */
export interface FindInstancesQuery extends ListInstancesQuery {
  /** Only instances of this orchestrator (its registered name). */
  name?: string;
}

/** What {@link ClientInsights} is built from. */
export interface ClientInsightsDependencies {
  readonly registry: Registry;
  readonly engine: Engine;
  /** The client's listing of instances, narrowed by orchestrator name when asked. */
  readonly findInstances: (query: FindInstancesQuery) => Promise<InstancesPage>;
}

/**
 * What a monitor of the app watches (the dashboard uses it; so may yours): the changes of
 * every instance as they are committed, counts by status kept current from those changes,
 * the engine's counters, the entity names, and listings by orchestrator name. Reached as
 * `client.insights`.
 *
 * @example
 * ```ts
 * app.client.insights.instanceChanges$().subscribe(({ instanceId, summary }) =>
 *   console.log(instanceId, summary?.runtimeStatus ?? 'purged'));
 * const counts = await firstValueFrom(app.client.insights.instanceCounts$());
 * console.log(counts.Running, 'running of', counts.total);
 * ```
 */
export class ClientInsights {
  /** One count for all subscribers: the scan runs when the first subscribes; its upkeep stops 30 s after the last left. */
  private readonly sharedCounts$: Observable<InstanceCounts>;

  constructor(private readonly deps: ClientInsightsDependencies) {
    this.sharedCounts$ = this.countInstances$().pipe(
      share({
        connector: () => new ReplaySubject<InstanceCounts>(1),
        resetOnError: true,
        resetOnComplete: false,
        resetOnRefCountZero: () => unrefTimer(COUNTS_KEPT_MS),
      }),
    );
  }

  /**
   * Each committed change of any instance (or of the instance `instanceId` only, starting
   * with its current state) from now on: a status, custom status or history that changed,
   * a new instance, a purge. Completes when the app stops.
   */
  instanceChanges$(instanceId?: string): Observable<InstanceChange> {
    const snapshots$ =
      instanceId === undefined ? nameSnapshots$(this.deps.engine, ORCHESTRATION_TARGET) : entitySnapshots$(this.deps.engine, instanceTarget(instanceId));
    return snapshots$.pipe(map(toChange));
  }

  /**
   * Counts of instances by status: the first value after one scan of all instances, then a
   * new value after each committed change. It watches before it scans, so no change is
   * missed. All subscribers share one scan and one watch (a late subscriber gets the
   * current counts at once), kept for 30 s after the last one left; meanwhile it holds one
   * status per instance in memory, in this process only.
   */
  instanceCounts$(): Observable<InstanceCounts> {
    return this.sharedCounts$;
  }

  private countInstances$(): Observable<InstanceCounts> {
    return new Observable<InstanceCounts>((subscriber) => {
      const known = new Map<string, { status: OrchestrationRuntimeStatus; version: number }>();
      const counts = emptyCounts();
      const buffered: EntitySnapshot[] = [];
      let loaded = false;
      const apply = (snapshot: EntitySnapshot, emit: boolean): void => {
        const id = snapshot.id.key;
        const before = known.get(id);
        if (before && before.version >= snapshot.version) return;
        if (before) counts[before.status]--;
        const status = snapshot.exists ? summaryOf(snapshot).runtimeStatus : undefined;
        if (status === undefined) known.delete(id);
        else {
          known.set(id, { status, version: snapshot.version });
          counts[status] = (counts[status] ?? 0) + 1;
        }
        if (emit) subscriber.next(withTotal(counts, known.size));
      };
      const watching = this.deps.engine.watch({ name: ORCHESTRATION_TARGET }).subscribe({
        next: (snapshot) => (loaded ? apply(snapshot, true) : buffered.push(snapshot)),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      (async () => {
        let token: string | undefined;
        do {
          const page = await this.deps.engine.listSnapshots({
            name: ORCHESTRATION_TARGET,
            pageSize: SCAN_PAGE_SIZE,
            ...(token === undefined ? {} : { continuationToken: token }),
          });
          for (const snapshot of page.snapshots) apply(snapshot, false);
          token = page.continuationToken;
        } while (token !== undefined && !subscriber.closed);
        for (const snapshot of buffered.splice(0)) apply(snapshot, false);
        loaded = true;
        subscriber.next(withTotal(counts, known.size));
      })().catch((error: unknown) => subscriber.error(error));
      return () => watching.unsubscribe();
    });
  }

  /**
   * The engine's counters in this process: operations applied and failed, backlog,
   * partitions owned, ... A client-only process (`DurableClient.connect`) processes no
   * partitions, so its counters stay at zero; ask a worker for its own.
   */
  stats(): EngineStats {
    return this.deps.engine.stats();
  }

  /**
   * The names of the entities: those of the app's entity classes, sorted. A client-only
   * process, which knows no classes, scans the stored entities for the names in use.
   */
  async entityNames(): Promise<string[]> {
    const names = new Set(this.deps.registry.entities.map((definition) => definition.name));
    if (this.deps.registry.open) {
      let token: string | undefined;
      do {
        const page = await this.deps.engine.listSnapshots({ pageSize: SCAN_PAGE_SIZE, ...(token === undefined ? {} : { continuationToken: token }) });
        for (const snapshot of page.snapshots) if (!snapshot.id.name.startsWith(BUILT_IN_PREFIX)) names.add(snapshot.id.name);
        token = page.continuationToken;
      } while (token !== undefined);
    }
    return [...names].sort();
  }

  /** `listInstances`, also narrowed to one orchestrator's `name`; pages the same way. */
  findInstances(query: FindInstancesQuery = {}): Promise<InstancesPage> {
    return this.deps.findInstances(query);
  }
}

function toChange(snapshot: EntitySnapshot): InstanceChange {
  return snapshot.exists ? { instanceId: snapshot.id.key, summary: summaryOf(snapshot) } : { instanceId: snapshot.id.key };
}

function summaryOf(snapshot: EntitySnapshot): InstanceSummary {
  const stored = JSON.parse(snapshot.stateJson ?? '{}') as StoredInstance;
  return {
    instanceId: stored.instanceId ?? snapshot.id.key,
    name: stored.name,
    runtimeStatus: stored.runtimeStatus,
    createdTime: new Date(stored.createdTime),
    lastUpdatedTime: new Date(stored.lastUpdatedTime),
  };
}

function emptyCounts(): Record<OrchestrationRuntimeStatus, number> {
  const counts = {} as Record<OrchestrationRuntimeStatus, number>;
  for (const status of Object.values(OrchestrationRuntimeStatus)) counts[status] = 0;
  return counts;
}

function withTotal(counts: Record<OrchestrationRuntimeStatus, number>, total: number): InstanceCounts {
  return { ...counts, total };
}

/** Emits once after `ms` without keeping the process alive for it. */
function unrefTimer(ms: number): Observable<void> {
  return new Observable<void>((subscriber) => {
    const timer = setTimeout(() => {
      subscriber.next();
      subscriber.complete();
    }, ms);
    timer.unref?.();
    return () => clearTimeout(timer);
  });
}
