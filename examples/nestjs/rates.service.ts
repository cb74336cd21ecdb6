import { Injectable } from '@nestjs/common';

/** Exchange rates to US dollars. A real service would fetch them; a Nest singleton either way. */
@Injectable()
export class RatesService {
  private readonly toUsd: Readonly<Record<string, number>> = { USD: 1, EUR: 1.1, GBP: 1.25 };

  /** Converts `amount` of `currency` to US dollars (in cents, rounded). */
  toCents(amount: number, currency: string): number {
    const rate = this.toUsd[currency];
    if (rate === undefined) throw new RangeError(`unknown currency '${currency}'`);
    return Math.round(amount * rate * 100);
  }
}
