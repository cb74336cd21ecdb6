import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHAINING, ProcessOrder, paymentProvider, runChainingDemo, type Order } from '../../examples/chaining';
import { OrchestrationFailedError, createTestEnvironment, type TestEnvironment } from '../../src/index';
import { eventually } from '../eventually';

describe('example: function chaining', () => {
  let env: TestEnvironment;
  beforeEach(async () => {
    paymentProvider.outages.clear();
    paymentProvider.charges.length = 0;
    env = await createTestEnvironment({ ...CHAINING, startTime: new Date('2026-02-02T10:00:00Z') });
  });
  afterEach(() => env.dispose());

  const order: Order = {
    id: 'o-1',
    customer: 'ada',
    lines: [
      { sku: 'tea-500g', quantity: 2 },
      { sku: 'mug', quantity: 1 },
    ],
  };

  it('runs the steps in order, each on the output of the one before', async () => {
    const handle = await env.client.startNew(ProcessOrder, order, { instanceId: 'o-1' });
    const result = await handle.result({ timeout: 10_000 });
    expect(result).toEqual({ orderId: 'o-1', total: 3400, paymentId: 'pay-o-1', confirmation: 'confirmation for o-1: 34.00 EUR paid (pay-o-1)' });
    const status = await handle.status({ showHistory: true });
    expect(status.customStatus).toBe('done');
    const scheduled = status.history!.flatMap((e) => (e.kind === 'TaskScheduled' ? [(e as { name: string }).name] : []));
    expect(scheduled).toEqual(['OrderSteps.validate', 'OrderSteps.price', 'OrderSteps.charge', 'OrderSteps.confirm']);
    expect(paymentProvider.charges).toEqual([{ orderId: 'o-1', amount: 3400 }]);
  });

  it('retries the payment after a durable 2-second timer', async () => {
    paymentProvider.outages.set('o-1', 2);
    const handle = await env.client.startNew(ProcessOrder, order, { instanceId: 'o-1' });
    // The first attempt failed and the retry timer is set.
    await eventually(async () => (await handle.status({ showHistory: true })).history!.some((e) => e.kind === 'TimerCreated'));
    expect((await handle.status()).customStatus).toBe('charging');
    await env.advance(1_999);
    expect((await handle.status()).runtimeStatus).toBe('Running');
    // The second attempt fails too; the third comes 4 s after that.
    await env.advance(1 + 4_000);
    expect(await handle.result({ timeout: 10_000 })).toMatchObject({ orderId: 'o-1', paymentId: 'pay-o-1' });
    const history = (await handle.status({ showHistory: true })).history!;
    expect(history.filter((e) => e.kind === 'TaskFailed')).toHaveLength(2);
    expect(history.filter((e) => e.kind === 'TimerFired')).toHaveLength(2);
  });

  it('a step that fails for good fails the order, and later steps do not run', async () => {
    const handle = await env.client.startNew(ProcessOrder, { ...order, lines: [{ sku: 'teapot', quantity: 1 }] });
    const error = await handle.result({ timeout: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrchestrationFailedError);
    expect((error as OrchestrationFailedError).failureDetails?.message).toMatch(/OrderSteps.validate.*unknown product 'teapot'/);
    expect((await handle.status()).customStatus).toBe('validating');
    expect(paymentProvider.charges).toEqual([]);
  });

  it('the runnable demo processes both orders', async () => {
    const lines: string[] = [];
    const demo = runChainingDemo(env.client, { log: (line) => lines.push(line), runId: 't' });
    // The second order waits for its payment retry: move the clock past it.
    await eventually(async () => (await env.client.getStatus('order-t-2', { showHistory: true }))?.history?.some((e) => e.kind === 'TimerCreated') === true);
    await env.advance(2_000);
    const results = await demo;
    expect(results.map((r) => [r.orderId, r.total])).toEqual([
      ['order-t-1', 3400],
      ['order-t-2', 3990],
    ]);
    expect(lines.at(-1)).toBe('confirmation for order-t-2: 39.90 EUR paid (pay-order-t-2)');
  });
});
