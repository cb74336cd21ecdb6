/**
 * Drives `Tally.record(id)` signals from a client at a target rate with a bounded number in
 * flight. Ids are 1, 2, 3, ...; every id is sent once, and the driver remembers which were
 * acknowledged (the promise resolved) and which were rejected.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { DurableClient } from '../../src/index';
import { Tally, tallyKey } from './fixtures/tally';

export interface SignalDriverOptions {
  /** Signals per second to aim for; 0 sends as fast as `inFlight` allows. */
  readonly rate: number;
  /** Signals in flight at once. */
  readonly inFlight: number;
}

export class SignalDriver {
  readonly acked = new Set<number>();
  readonly rejected = new Set<number>();
  /** The first few rejection reasons, for the report. */
  readonly rejectionSamples: string[] = [];
  private nextId = 1;
  private nextAt = 0;
  private stopped = false;
  private slots: Promise<void>[] = [];

  constructor(
    private readonly client: DurableClient,
    private readonly options: SignalDriverOptions,
  ) {}

  /** Ids handed out so far (1 to `sent`). */
  get sent(): number {
    return this.nextId - 1;
  }

  start(): void {
    this.nextAt = performance.now();
    this.slots = Array.from({ length: this.options.inFlight }, () => this.slot());
  }

  /** Sends no more; resolves once the signals in flight settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.slots);
  }

  private async slot(): Promise<void> {
    while (!this.stopped) {
      await this.pace();
      if (this.stopped) return;
      const id = this.nextId++;
      try {
        await this.client.entity(Tally, tallyKey(id)).signal.record(id);
        this.acked.add(id);
      } catch (error) {
        this.rejected.add(id);
        if (this.rejectionSamples.length < 5) this.rejectionSamples.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        // The server is probably away: wait instead of spinning through ids.
        await delay(100);
      }
    }
  }

  /** Waits for this slot's turn under the rate; a backlog after an outage is not made up. */
  private async pace(): Promise<void> {
    if (this.options.rate <= 0) return;
    const now = performance.now();
    const at = Math.max(this.nextAt, now);
    this.nextAt = at + 1000 / this.options.rate;
    if (at - now >= 1) await delay(at - now);
  }
}
