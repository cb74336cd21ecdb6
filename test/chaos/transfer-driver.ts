/**
 * Keeps bank transfers (the example's `Transfer` orchestration, which locks both accounts)
 * running between the chaos accounts, a bounded number at a time. It only starts and
 * watches them; whether they all ended, and the bank's total, are checked at the end.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { OrchestrationRuntimeStatus, type DurableClient } from '../../src/index';
import { Transfer } from '../../examples/bank-transfer';
import type { Prng } from './prng';

export interface TransferDriverOptions {
  readonly inFlight: number;
  readonly accounts: readonly string[];
  /** Instance ids are `<prefix>-<n>`. */
  readonly prefix: string;
  /** How long one slot watches an instance before it moves on (the instance is still checked at the end). */
  readonly watchMs: number;
}

const ENDED: ReadonlySet<string> = new Set([
  OrchestrationRuntimeStatus.Completed,
  OrchestrationRuntimeStatus.Failed,
  OrchestrationRuntimeStatus.Terminated,
  OrchestrationRuntimeStatus.Canceled,
  OrchestrationRuntimeStatus.ContinuedAsNew,
]);

export function hasEnded(status: string): boolean {
  return ENDED.has(status);
}

export class TransferDriver {
  /** Every instance id a start was attempted for. */
  readonly attempted: string[] = [];
  /** Instances whose start was acknowledged (startNew resolved). */
  readonly started = new Set<string>();
  /** Instances seen ended while driving. */
  readonly ended = new Set<string>();
  /** Instances a slot stopped watching before they ended. */
  readonly abandoned = new Set<string>();
  private next = 0;
  private stopped = false;
  private slots: Promise<void>[] = [];

  constructor(
    private readonly client: DurableClient,
    private readonly prng: Prng,
    private readonly options: TransferDriverOptions,
  ) {}

  start(): void {
    this.slots = Array.from({ length: this.options.inFlight }, () => this.slot());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.slots);
  }

  private async slot(): Promise<void> {
    const accounts = this.options.accounts;
    while (!this.stopped) {
      const instanceId = `${this.options.prefix}-${++this.next}`;
      const from = this.prng.int(0, accounts.length - 1);
      const to = (from + this.prng.int(1, accounts.length - 1)) % accounts.length;
      const amount = this.prng.int(1, 50) * 100;
      this.attempted.push(instanceId);
      try {
        await this.client.startNew(Transfer, { from: accounts[from]!, to: accounts[to]!, amount }, { instanceId });
        this.started.add(instanceId);
      } catch {
        await delay(200);
        continue;
      }
      await this.watch(instanceId);
    }
  }

  private async watch(instanceId: string): Promise<void> {
    const deadline = Date.now() + this.options.watchMs;
    while (!this.stopped && Date.now() < deadline) {
      const status = await this.client.getStatus(instanceId, { showInput: false }).catch(() => undefined);
      if (status && hasEnded(status.runtimeStatus)) {
        this.ended.add(instanceId);
        return;
      }
      await delay(150);
    }
    if (!this.stopped) this.abandoned.add(instanceId);
  }
}
