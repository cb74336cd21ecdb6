import type { Clock, ClockTimer } from '../runtime/clock';
import type { OperationMessage } from '../runtime/messages';

/** A message waiting for its time, and the storage key that holds it. */
export interface ScheduledEntry {
  readonly due: number;
  readonly key: string;
  readonly message: OperationMessage;
}

/**
 * In-memory index of scheduled messages with a single timer armed for the earliest one.
 * The durable copy lives in storage; this index is rebuilt from it on start.
 */
export class ScheduledMessages {
  private entries: ScheduledEntry[] = [];
  private timer: ClockTimer | undefined;
  private armed = false;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (due: readonly ScheduledEntry[]) => void,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  add(entries: readonly ScheduledEntry[]): void {
    if (entries.length === 0) return;
    this.entries.push(...entries);
    this.entries.sort((a, b) => a.due - b.due);
    this.rearm();
  }

  /** Starts firing due messages. */
  start(): void {
    this.armed = true;
    this.rearm();
  }

  stop(): void {
    this.armed = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private rearm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const next = this.entries[0];
    if (!this.armed || !next) return;
    // Not unref'd: a started app with scheduled work keeps the process alive until stop().
    this.timer = this.clock.setTimer(() => this.onTimer(), next.due - this.clock.now());
  }

  private onTimer(): void {
    const now = this.clock.now();
    let count = 0;
    while (count < this.entries.length && this.entries[count]!.due <= now) count++;
    const due = this.entries.splice(0, count);
    // Timers may fire a little early; whatever is not yet due simply re-arms.
    if (due.length > 0) this.fire(due);
    this.rearm();
  }
}
