import { Injectable } from '@nestjs/common';
// In your own project: import { Activity, activityContext } from 'jetstate';
import { Activity, activityContext } from '../../src/index';

/** A stand-in for a payment provider's SDK, provided by Nest. */
@Injectable()
export class PaymentGateway {
  readonly captured = new Map<string, number>();

  /** Idempotent by key: capturing twice with one key charges once. */
  capture(key: string, cents: number): string {
    if (!this.captured.has(key)) this.captured.set(key, cents);
    return `cap_${key}`;
  }
}

/**
 * Activities of the checkout. `@Injectable()` makes TypeScript record the constructor's
 * parameter types, so jetstate can ask Nest for the gateway.
 */
@Injectable()
export class Payments {
  constructor(private readonly gateway: PaymentGateway) {}

  @Activity()
  capture(order: { orderId: string; cents: number }): string {
    // The task id is stable across retries: a safe idempotency key.
    return this.gateway.capture(activityContext().taskId, order.cents);
  }
}
