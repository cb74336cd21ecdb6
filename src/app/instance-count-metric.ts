import type { Subscription } from 'rxjs';
import type { ClientInsights, InstanceCounts } from '../client/client-insights';
import { telemetry } from '../telemetry/telemetry';

/**
 * Feeds the `jetstate.orchestration.instances` gauge from `insights.instanceCounts$()`.
 * The count stream (a scan of every instance, then its changes) is subscribed only when a
 * metrics reader first asks, so without an OpenTelemetry SDK it costs nothing.
 */
export class InstanceCountMetric {
  private subscription: Subscription | undefined;
  private latest: InstanceCounts | undefined;
  private stopWatching: (() => void) | undefined;

  constructor(private readonly insights: ClientInsights) {}

  start(): void {
    this.stopWatching ??= telemetry().watchInstanceCounts(() => this.read());
  }

  stop(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  private read(): Readonly<Record<string, number>> | undefined {
    this.subscription ??= this.insights.instanceCounts$().subscribe({ next: (counts) => (this.latest = counts), error: () => undefined });
    if (!this.latest) return undefined;
    const { total: _total, ...byStatus } = this.latest;
    return byStatus;
  }
}
