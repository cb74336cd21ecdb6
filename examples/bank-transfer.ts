// Bank transfer with locks: orchestrations that coordinate several entities. Each account
// is an `Account` entity; a `Transfer` orchestration locks both accounts (a critical
// section), reads both balances, and moves the money only if the source can afford it.
// While the section runs, no other orchestration can use either account, so concurrent
// transfers never see a half-done transfer and the total stays exact. Locks are always
// taken in the same (sorted) order, so transfers in opposite directions do not deadlock.
//
// Run it: node scripts/run-ts.mjs examples/bank-transfer.ts   (NATS_URL=nats://... for NATS)
import 'reflect-metadata';
// In your own project: import { Entity, Operation, Orchestrator, type DurableClient, ... } from 'jetstate';
import { Entity, Operation, Orchestrator, type DurableClient, type OrchestrationContext } from '../src/index';
import { newRunId, runExample, type DemoOptions } from './example-app';

/** A bank account, keyed by account number. Amounts are in cents. */
@Entity()
export class Account {
  cents = 0;

  @Operation()
  balance(): number {
    return this.cents;
  }

  @Operation()
  deposit(amount: number): number {
    if (!Number.isInteger(amount) || amount <= 0) throw new RangeError(`deposit: amount must be a positive integer of cents, got ${amount}`);
    this.cents += amount;
    return this.cents;
  }

  @Operation()
  withdraw(amount: number): number {
    if (!Number.isInteger(amount) || amount <= 0) throw new RangeError(`withdraw: amount must be a positive integer of cents, got ${amount}`);
    if (amount > this.cents) throw new RangeError(`withdraw: ${amount} is more than the balance of ${this.cents}`);
    this.cents -= amount;
    return this.cents;
  }
}

export interface TransferRequest {
  from: string;
  to: string;
  /** In cents. */
  amount: number;
}

export interface TransferResult {
  transferred: boolean;
  /** Balances after the transfer (or the unchanged ones, when it was refused). */
  fromBalance: number;
  toBalance: number;
}

@Orchestrator()
export class Transfer {
  async run(ctx: OrchestrationContext, { from, to, amount }: TransferRequest): Promise<TransferResult> {
    if (from === to) throw new RangeError(`a transfer needs two different accounts, got '${from}' twice`);
    const source = ctx.entity(Account, from);
    const target = ctx.entity(Account, to);
    // Critical section: both accounts are locked until it ends, then released.
    return ctx.lock([source, target], async () => {
      const fromBalance = await source.call.balance();
      const toBalance = await target.call.balance();
      if (fromBalance < amount) return { transferred: false, fromBalance, toBalance };
      await source.call.withdraw(amount);
      await target.call.deposit(amount);
      return { transferred: true, fromBalance: fromBalance - amount, toBalance: toBalance + amount };
    });
  }
}

export const BANK_TRANSFER = { entities: [Account], orchestrators: [Transfer] };

export interface BankDemoResult {
  balances: Record<string, number>;
  total: number;
  expectedTotal: number;
  transferred: number;
  refused: number;
}

/**
 * Opens `accounts` accounts (default 4) with 1,000.00 each, runs `transfers` (default 40)
 * random transfers among them at the same time, and checks that the total is unchanged.
 */
export async function runBankTransferDemo(
  client: DurableClient,
  options: DemoOptions & { accounts?: number; transfers?: number } = {},
): Promise<BankDemoResult> {
  const log = options.log ?? console.log;
  const runId = options.runId ?? newRunId();
  const ids = Array.from({ length: options.accounts ?? 4 }, (_, i) => `acct-${runId}-${i + 1}`);
  const opening = 100_000;
  await Promise.all(ids.map((id) => client.entity(Account, id).call.deposit(opening)));

  const random = mulberry32(7);
  const requests = Array.from({ length: options.transfers ?? 40 }, (): TransferRequest => {
    const from = Math.floor(random() * ids.length);
    const to = (from + 1 + Math.floor(random() * (ids.length - 1))) % ids.length;
    return { from: ids[from]!, to: ids[to]!, amount: 100 * (1 + Math.floor(random() * 600)) };
  });
  const started = performance.now();
  const handles = await Promise.all(requests.map((request) => client.startNew(Transfer, request)));
  const results = await Promise.all(handles.map((handle) => handle.result({ timeout: 120_000 })));
  const seconds = (performance.now() - started) / 1000;

  const balances: Record<string, number> = {};
  for (const id of ids) balances[id] = await client.entity(Account, id).call.balance();
  const total = Object.values(balances).reduce((a, b) => a + b, 0);
  const transferred = results.filter((r) => r.transferred).length;
  log(`${requests.length} concurrent transfers in ${seconds.toFixed(2)} s: ${transferred} done, ${requests.length - transferred} refused (insufficient funds)`);
  for (const id of ids) log(`  ${id}  ${(balances[id]! / 100).toFixed(2).padStart(10)}`);
  const expectedTotal = opening * ids.length;
  log(total === expectedTotal ? `OK: the total is still ${(total / 100).toFixed(2)}.` : `MISMATCH: the total is ${total}, expected ${expectedTotal}.`);
  return { balances, total, expectedTotal, transferred, refused: requests.length - transferred };
}

/** A small seeded random number generator, so every run makes the same transfers. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (typeof require !== 'undefined' && require.main === module) {
  void runExample('bank-transfer', BANK_TRANSFER, runBankTransferDemo);
}
