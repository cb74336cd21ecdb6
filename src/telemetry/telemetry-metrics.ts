import type * as OpenTelemetryApi from '@opentelemetry/api';
import { Attr, INSTRUMENTATION_SCOPE } from './telemetry-attributes';
import type { LeaseChange } from './telemetry-types';

type Api = typeof OpenTelemetryApi;

interface Instruments {
  readonly applied: OpenTelemetryApi.Counter;
  readonly failed: OpenTelemetryApi.Counter;
  readonly batchSize: OpenTelemetryApi.Histogram;
  readonly commitDuration: OpenTelemetryApi.Histogram;
  readonly activitiesRunning: OpenTelemetryApi.UpDownCounter;
  readonly leaseChanges: OpenTelemetryApi.Counter;
}

/**
 * jetstate's metrics on the global meter provider. The API has no proxy for meters, so the
 * instruments are created on first use and again whenever the global provider changes
 * (an SDK registered after jetstate loaded still gets every measurement from then on).
 */
export class TelemetryMetrics {
  private provider: OpenTelemetryApi.MeterProvider | undefined;
  private instruments: Instruments | undefined;
  private readonly backlogs = new Map<number, Set<() => number>>();
  private readonly instanceCounts = new Set<() => Readonly<Record<string, number>> | undefined>();

  constructor(private readonly api: Api) {}

  batchCommitted(partition: number, size: number, applied: number, failed: number, commitSeconds: number | undefined): void {
    const m = this.current();
    const attributes = { [Attr.partition]: partition };
    m.batchSize.record(size, attributes);
    if (applied > 0) m.applied.add(applied, attributes);
    if (failed > 0) m.failed.add(failed, attributes);
    if (commitSeconds !== undefined) m.commitDuration.record(commitSeconds, attributes);
  }

  activityStarted(name: string): void {
    this.current().activitiesRunning.add(1, { [Attr.activityName]: name });
  }

  activityEnded(name: string): void {
    this.current().activitiesRunning.add(-1, { [Attr.activityName]: name });
  }

  leaseChanged(partition: number, change: LeaseChange): void {
    this.current().leaseChanges.add(1, { [Attr.partition]: partition, [Attr.leaseChange]: change });
  }

  watchBacklog(partition: number, backlog: () => number): () => void {
    this.current();
    let watchers = this.backlogs.get(partition);
    if (!watchers) this.backlogs.set(partition, (watchers = new Set()));
    watchers.add(backlog);
    return () => {
      watchers.delete(backlog);
      if (watchers.size === 0 && this.backlogs.get(partition) === watchers) this.backlogs.delete(partition);
    };
  }

  watchInstanceCounts(counts: () => Readonly<Record<string, number>> | undefined): () => void {
    this.current();
    this.instanceCounts.add(counts);
    return () => void this.instanceCounts.delete(counts);
  }

  private current(): Instruments {
    const provider = this.api.metrics.getMeterProvider();
    if (this.instruments && provider === this.provider) return this.instruments;
    this.provider = provider;
    const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
    const backlog = meter.createObservableGauge('jetstate.partition.backlog', {
      description: 'Messages delivered to a partition and waiting to be applied.',
      unit: '{message}',
    });
    backlog.addCallback((result) => {
      for (const [partition, watchers] of this.backlogs) {
        let total = 0;
        for (const read of watchers) total += read();
        result.observe(total, { [Attr.partition]: partition });
      }
    });
    const instances = meter.createObservableGauge('jetstate.orchestration.instances', {
      description: 'Orchestration instances by runtime status.',
      unit: '{instance}',
    });
    instances.addCallback((result) => {
      const totals = new Map<string, number>();
      for (const read of this.instanceCounts) {
        for (const [status, count] of Object.entries(read() ?? {})) totals.set(status, (totals.get(status) ?? 0) + count);
      }
      for (const [status, count] of totals) result.observe(count, { [Attr.instanceStatus]: status });
    });
    this.instruments = {
      applied: meter.createCounter('jetstate.operations.applied', { description: 'Operations applied successfully and committed.', unit: '{operation}' }),
      failed: meter.createCounter('jetstate.operations.failed', {
        description: 'Operations that threw (or left unstorable state) and were rolled back.',
        unit: '{operation}',
      }),
      batchSize: meter.createHistogram('jetstate.batch.size', { description: 'Messages in a committed partition batch.', unit: '{message}' }),
      commitDuration: meter.createHistogram('jetstate.commit.duration', { description: 'Time the atomic commit of a partition batch took.', unit: 's' }),
      activitiesRunning: meter.createUpDownCounter('jetstate.activities.running', { description: 'Activities running in this process.', unit: '{activity}' }),
      leaseChanges: meter.createCounter('jetstate.partition.lease.changes', {
        description: 'Partition leases acquired, released or lost by this process.',
        unit: '{change}',
      }),
    };
    return this.instruments;
  }
}
