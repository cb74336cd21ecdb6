import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACING, runTracingDemo } from '../../examples/tracing';
import { createTestEnvironment, type TestEnvironment } from '../../src/index';
import { eventually } from '../eventually';
import { installSdk, type InstalledSdk } from '../telemetry/otel-sdk';
import { ancestry, toRecord, type SpanRecord } from '../telemetry/span-tree';

describe('example: tracing a checkout', () => {
  let sdk: InstalledSdk;
  let env: TestEnvironment;
  beforeAll(async () => {
    sdk = installSdk();
    env = await createTestEnvironment(TRACING);
  });
  afterAll(async () => {
    await env?.dispose();
    await sdk?.uninstall();
  });

  it('ships the basket, and one trace runs from the checkout call to the last activity', async () => {
    const lines: string[] = [];
    const result = await runTracingDemo(env.client, { log: (line) => lines.push(line), runId: 't1' });
    expect(result).toBe('sent a tracking mail for parcel-basket-t1-2');
    expect(lines).toEqual([expect.stringMatching(/^shipment .+: sent a tracking mail for parcel-basket-t1-2$/)]);
    const spans = async (): Promise<SpanRecord[]> => (await sdk.spans()).map(toRecord);
    await eventually(async () => (await spans()).filter((s) => s.name === 'orchestration deliver').length === 2);
    const all = await spans();
    const checkout = all.find((s) => s.name === 'call Basket.checkout')!;
    const trace = all.filter((s) => s.traceId === checkout.traceId);
    expect(trace.filter((s) => s.name === 'process Stock.reserve').map((s) => ancestry(trace, s))).toEqual([
      ['process Stock.reserve', 'process Basket.checkout', 'call Basket.checkout'],
      ['process Stock.reserve', 'process Basket.checkout', 'call Basket.checkout'],
    ]);
    const last = trace.find((s) => s.name === 'orchestration deliver' && !trace.some((child) => child.parentSpanId === s.spanId))!;
    expect(ancestry(trace, last)).toEqual([
      'orchestration deliver',
      'activity ShippingSteps.notify',
      'orchestration deliver',
      'activity ShippingSteps.pack',
      'orchestration start',
      'process Basket.checkout',
      'call Basket.checkout',
    ]);
  });
});
