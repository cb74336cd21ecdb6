/**
 * Installs the OpenTelemetry SDK for a test process: a tracer provider that keeps finished
 * spans in memory, the AsyncLocalStorage context manager, and a meter provider read on
 * demand. Tests register it before creating apps, as applications do.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MetricReader, MeterProvider, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

/** A reader that exports nothing on its own: the test collects when it wants to look. */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface InstalledSdk {
  readonly exporter: InMemorySpanExporter;
  /** The finished spans (export is asynchronous, so pending exports are flushed first). */
  spans(): Promise<ReadableSpan[]>;
  /** The points of metric `name` as `{ attributes, value }` (sums, gauges; histograms as { count, sum }). */
  metric(name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]>;
  uninstall(): Promise<void>;
}

/** Installs the SDK; with `{ tracing: false }` only the meter provider (an app that collects metrics but no traces). */
export function installSdk(options: { readonly tracing?: boolean } = {}): InstalledSdk {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  if (options.tracing !== false) {
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(tracerProvider);
  }
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    exporter,
    spans: async () => {
      await tracerProvider.forceFlush();
      return exporter.getFinishedSpans();
    },
    metric: async (name) => {
      const { resourceMetrics } = await reader.collect();
      return pointsOf(resourceMetrics, name);
    },
    uninstall: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
    },
  };
}

function pointsOf(resourceMetrics: ResourceMetrics, name: string): { attributes: Record<string, unknown>; value: unknown }[] {
  const points: { attributes: Record<string, unknown>; value: unknown }[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) {
        const value = point.value as unknown;
        points.push({
          attributes: { ...point.attributes },
          value:
            typeof value === 'object' && value !== null && 'count' in value
              ? { count: (value as { count: number }).count, sum: (value as { sum?: number }).sum }
              : value,
        });
      }
    }
  }
  return points;
}
