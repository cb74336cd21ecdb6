// In your own project: import { Orchestrator, type OrchestrationContext } from 'jetstate';
import { Orchestrator, type OrchestrationContext } from '../../src/index';
import { Payments } from './payments.activities';
import { Wallet } from './wallet.entity';

export interface CheckoutInput {
  orderId: string;
  walletId: string;
  cents: number;
}

export interface CheckoutResult {
  orderId: string;
  paidFromWallet: boolean;
  capture?: string;
  balance?: number;
}

/** Pays an order from the customer's wallet, or by card through the gateway when the wallet is short. */
@Orchestrator()
export class Checkout {
  async run(ctx: OrchestrationContext, input: CheckoutInput): Promise<CheckoutResult> {
    ctx.setCustomStatus('paying');
    try {
      const balance = await ctx.entity(Wallet, input.walletId).call.withdraw(input.cents);
      return { orderId: input.orderId, paidFromWallet: true, balance };
    } catch {
      const capture = await ctx.activities(Payments).capture({ orderId: input.orderId, cents: input.cents });
      return { orderId: input.orderId, paidFromWallet: false, capture };
    }
  }
}
