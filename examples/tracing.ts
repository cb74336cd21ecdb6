// Tracing and metrics with OpenTelemetry: the app installs the SDK (here with the console
// exporters), and jetstate, finding @opentelemetry/api, records a span per client call,
// operation, orchestration turn, activity and batch, and its metrics. One trace follows the
// checkout signal through the basket, the signal it sends to the stock entity, the shipping
// orchestration it starts and that orchestration's activities.
//
// Run it: node scripts/run-ts.mjs examples/tracing.ts   (NATS_URL=nats://... for NATS)
//
// Needs @opentelemetry/api and the SDK packages in your project:
//   npm install @opentelemetry/api @opentelemetry/sdk-trace @opentelemetry/sdk-metrics @opentelemetry/context-async-hooks
import 'reflect-metadata';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { ConsoleSpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { filter, firstValueFrom, timeout } from 'rxjs';
// In your own project: import { Activity, Entity, ... } from 'jetstate';
import {
  Activity,
  Entity,
  Operation,
  OrchestrationRuntimeStatus,
  Orchestrator,
  entityContext,
  type DurableClient,
  type OrchestrationContext,
} from '../src/index';
import { newRunId, runExample, type DemoOptions } from './example-app';

@Entity()
export class Stock {
  reserved: Record<string, number> = {};

  @Operation()
  reserve(input: { sku: string; quantity: number }): void {
    this.reserved[input.sku] = (this.reserved[input.sku] ?? 0) + input.quantity;
  }
}

@Entity()
export class Basket {
  lines: { sku: string; quantity: number }[] = [];

  @Operation()
  add(line: { sku: string; quantity: number }): void {
    this.lines.push(line);
  }

  /** Reserves the stock and starts shipping; returns the shipment's instance id. */
  @Operation()
  checkout(): string {
    const ctx = entityContext();
    for (const line of this.lines) ctx.entity(Stock, 'warehouse').signal.reserve(line);
    const shipment = ctx.startNewOrchestration(Shipping, { basket: ctx.entityId.key, lines: this.lines });
    this.lines = [];
    return shipment;
  }
}

export class ShippingSteps {
  @Activity()
  pack(order: { basket: string; lines: { sku: string; quantity: number }[] }): string {
    return `parcel-${order.basket}-${order.lines.length}`;
  }

  @Activity()
  notify(parcel: string): string {
    return `sent a tracking mail for ${parcel}`;
  }
}

@Orchestrator()
export class Shipping {
  async run(ctx: OrchestrationContext, order: { basket: string; lines: { sku: string; quantity: number }[] }): Promise<string> {
    const steps = ctx.activities(ShippingSteps);
    const parcel = await steps.pack(order);
    return steps.notify(parcel);
  }
}

export const TRACING = { entities: [Basket, Stock], orchestrators: [Shipping], activities: [ShippingSteps] };

/** The installed SDK: `flush` exports what is pending (metrics included), `shutdown` ends it. */
export interface ConsoleTelemetry {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Installs the OpenTelemetry SDK with console exporters, as an application's start-up
 * code does, before any app or client is created.
 */
export function installConsoleTelemetry(): ConsoleTelemetry {
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })] });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 60_000 })],
  });
  // Without a context manager, spans your own code starts would not nest; jetstate's links travel in its messages either way.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    flush: async () => {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
    },
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

const ENDED: readonly OrchestrationRuntimeStatus[] = [
  OrchestrationRuntimeStatus.Completed,
  OrchestrationRuntimeStatus.Failed,
  OrchestrationRuntimeStatus.Terminated,
];

/** Fills a basket, checks it out and waits for the shipment; returns its result. */
export async function runTracingDemo(client: DurableClient, options: DemoOptions = {}): Promise<string> {
  const log = options.log ?? console.log;
  const basket = client.entity(Basket, `basket-${options.runId ?? newRunId()}`);
  await basket.signal.add({ sku: 'tea-500g', quantity: 2 });
  await basket.signal.add({ sku: 'mug', quantity: 1 });
  const instanceId = await basket.call.checkout();
  // The basket's commit sends the start; status$ waits for the instance to exist, then to end.
  const status = await firstValueFrom(
    client.getHandle<unknown, string>(instanceId).status$.pipe(
      filter((s) => ENDED.includes(s.runtimeStatus)),
      timeout(30_000),
    ),
  );
  if (status.runtimeStatus !== OrchestrationRuntimeStatus.Completed)
    throw new Error(`shipment ${instanceId} ended ${status.runtimeStatus}: ${status.failureDetails?.message ?? ''}`);
  log(`shipment ${instanceId}: ${status.output}`);
  return status.output!;
}

if (typeof require !== 'undefined' && require.main === module) {
  const sdk = installConsoleTelemetry();
  // Flushed while the app still runs, so the gauges (backlog, instances by status) are in the printout too.
  const demo = async (client: DurableClient, options: DemoOptions): Promise<void> => {
    await runTracingDemo(client, options);
    await sdk.flush();
  };
  void runExample('tracing', TRACING, demo).finally(() => {
    void sdk.shutdown();
  });
}
