// Function chaining: an orchestration runs activities one after the other, each taking the
// output of the one before. Here an order goes through validate -> price -> charge ->
// confirm; the payment step is retried with durable timers between attempts.
//
// Run it: node scripts/run-ts.mjs examples/chaining.ts   (NATS_URL=nats://... for NATS)
import 'reflect-metadata';
// In your own project: import { Activity, Orchestrator, type DurableClient, ... } from 'jetstate';
import { Activity, Orchestrator, type DurableClient, type OrchestrationContext, type RetryOptions } from '../src/index';
import { newRunId, runExample, type DemoOptions } from './example-app';

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface Order {
  id: string;
  customer: string;
  lines: OrderLine[];
}

export interface PricedOrder extends Order {
  /** In cents. */
  total: number;
}

export interface Receipt {
  orderId: string;
  total: number;
  paymentId: string;
}

export interface OrderResult extends Receipt {
  confirmation: string;
}

/** Prices in cents, as a catalogue service would return them. */
export const PRICES: Readonly<Record<string, number>> = { 'tea-500g': 1250, mug: 900, kettle: 3990 };

/**
 * A stand-in for a payment provider that is sometimes unavailable: it refuses the next
 * `outages.get(orderId)` attempts for an order. Real code would make an HTTP call here.
 */
export const paymentProvider = {
  outages: new Map<string, number>(),
  charges: [] as { orderId: string; amount: number }[],
};

/** The steps. Activities are where the I/O goes; each runs at least once. */
export class OrderSteps {
  @Activity()
  validate(order: Order): Order {
    if (order.lines.length === 0) throw new RangeError(`order ${order.id} has no lines`);
    for (const line of order.lines) {
      if (!(line.sku in PRICES)) throw new RangeError(`order ${order.id}: unknown product '${line.sku}'`);
      if (!Number.isInteger(line.quantity) || line.quantity < 1) throw new RangeError(`order ${order.id}: bad quantity for ${line.sku}`);
    }
    return order;
  }

  @Activity()
  price(order: Order): PricedOrder {
    return { ...order, total: order.lines.reduce((sum, line) => sum + PRICES[line.sku]! * line.quantity, 0) };
  }

  @Activity()
  async charge(order: PricedOrder): Promise<Receipt> {
    const outages = paymentProvider.outages.get(order.id) ?? 0;
    if (outages > 0) {
      paymentProvider.outages.set(order.id, outages - 1);
      throw new Error('payment provider unavailable (503)');
    }
    // Idempotent by order id: a repeated attempt does not charge twice.
    if (!paymentProvider.charges.some((c) => c.orderId === order.id)) paymentProvider.charges.push({ orderId: order.id, amount: order.total });
    return { orderId: order.id, total: order.total, paymentId: `pay-${order.id}` };
  }

  @Activity()
  async confirm(receipt: Receipt): Promise<string> {
    return `confirmation for ${receipt.orderId}: ${(receipt.total / 100).toFixed(2)} EUR paid (${receipt.paymentId})`;
  }
}

/** Up to 4 payment attempts, the later ones 2 s, 4 s and 8 s after the failure before. */
export const PAYMENT_RETRY: RetryOptions = { maxNumberOfAttempts: 4, firstRetryInterval: 2_000, backoffCoefficient: 2 };

@Orchestrator()
export class ProcessOrder {
  async run(ctx: OrchestrationContext, order: Order): Promise<OrderResult> {
    const steps = ctx.activities(OrderSteps);
    ctx.setCustomStatus('validating');
    const valid = await steps.validate(order);
    ctx.setCustomStatus('pricing');
    const priced = await steps.price(valid);
    ctx.setCustomStatus('charging');
    const receipt = await ctx.activities(OrderSteps, { retry: PAYMENT_RETRY }).charge(priced);
    ctx.setCustomStatus('confirming');
    const confirmation = await steps.confirm(receipt);
    ctx.setCustomStatus('done');
    return { ...receipt, confirmation };
  }
}

export const CHAINING = { orchestrators: [ProcessOrder], activities: [OrderSteps] };

/** Processes two orders, one of which hits a payment outage once, and prints the results. */
export async function runChainingDemo(client: DurableClient, options: DemoOptions = {}): Promise<OrderResult[]> {
  const log = options.log ?? console.log;
  const runId = options.runId ?? newRunId();
  const orders: Order[] = [
    {
      id: `order-${runId}-1`,
      customer: 'ada',
      lines: [
        { sku: 'tea-500g', quantity: 2 },
        { sku: 'mug', quantity: 1 },
      ],
    },
    { id: `order-${runId}-2`, customer: 'grace', lines: [{ sku: 'kettle', quantity: 1 }] },
  ];
  paymentProvider.outages.set(orders[1]!.id, 1);
  const handles = await Promise.all(orders.map((order) => client.startNew(ProcessOrder, order, { instanceId: order.id })));
  log(
    `started ${handles.map((h) => h.instanceId).join(', ')}; ${orders[1]!.id} will need a second payment attempt (after ${PAYMENT_RETRY.firstRetryInterval / 1000} s)`,
  );
  const results: OrderResult[] = [];
  for (const handle of handles) {
    const result = await handle.result({ timeout: 60_000 });
    log(result.confirmation);
    results.push(result);
  }
  return results;
}

if (typeof require !== 'undefined' && require.main === module) {
  void runExample('chaining', CHAINING, runChainingDemo);
}
