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
// In your own project: import { Activity, Entity, ... } from 'jetstate';
import { Activity, Entity, Operation, Orchestrator, entityContext, type DurableClient, type OrchestrationContext } from '../src/index';
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

/**
 * Installs the OpenTelemetry SDK with console exporters, as an application's start-up
 * code does. Do this before creating the app: jetstate's metrics use the meter provider
 * registered when they are first recorded. Returns a function that flushes and shuts down.
 */
export function installConsoleTelemetry(): () => Promise<void> {
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })] });
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 60_000 })] });
  // Without a context manager, spans your own code starts would not nest; jetstate's links travel in its messages either way.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return async () => {
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  };
}

/** Fills a basket, checks it out and waits for the shipment; returns its result. */
export async function runTracingDemo(client: DurableClient, options: DemoOptions = {}): Promise<string> {
  const log = options.log ?? console.log;
  const basket = client.entity(Basket, `basket-${options.runId ?? newRunId()}`);
  await basket.signal.add({ sku: 'tea-500g', quantity: 2 });
  await basket.signal.add({ sku: 'mug', quantity: 1 });
  const instanceId = await basket.call.checkout();
  const result = await client.getHandle<unknown, string>(instanceId).result({ timeout: 30_000 });
  log(`shipment ${instanceId}: ${result}`);
  return result;
}

if (typeof require !== 'undefined' && require.main === module) {
  const shutdown = installConsoleTelemetry();
  void runExample('tracing', TRACING, runTracingDemo).finally(shutdown);
}
