// In your own project: import { Entity, Operation } from 'jetstate';
import { Entity, Operation } from '../../src/index';
import { RatesService } from './rates.service';

export interface Deposit {
  amount: number;
  currency: string;
}

/**
 * A customer's wallet: one instance per wallet id, created by Nest with RatesService
 * injected. Its state is `cents` and `history`; the service is not part of it.
 */
@Entity()
export class Wallet {
  cents = 0;
  history: string[] = [];

  constructor(private readonly rates: RatesService) {}

  @Operation()
  deposit({ amount, currency }: Deposit): number {
    const cents = this.rates.toCents(amount, currency);
    this.cents += cents;
    this.history.push(`+${cents}`);
    return this.cents;
  }

  /** Takes `cents` out; fails (and changes nothing) when the wallet does not hold enough. */
  @Operation()
  withdraw(cents: number): number {
    if (cents > this.cents) throw new RangeError(`insufficient funds: ${this.cents} < ${cents}`);
    this.cents -= cents;
    this.history.push(`-${cents}`);
    return this.cents;
  }
}
