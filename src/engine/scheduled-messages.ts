import { Heap } from 'heap-js';
import type { Clock, ClockTimer } from '../runtime/clock';
import type { OperationMessage } from '../runtime/messages';

/** A message waiting for its time, and the storage key that holds it. */
export interface ScheduledEntry {
  readonly due: number;
  readonly key: string;
  readonly message: OperationMessage;
}

/** An entry and its place in arrival order: entries due at the same time fire in the order they came. */
interface Queued {
  readonly entry: ScheduledEntry;
  readonly order: number;
}

/**
 * In-memory index of scheduled messages (a binary heap by due time) with a single timer
 * armed for the earliest one. The durable copy lives in storage; this index is rebuilt
 * from it on start.
 */
export class ScheduledMessages {
  private readonly entries = new Heap<Queued>((a, b) => a.entry.due - b.entry.due || a.order - b.order);
  private added = 0;
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
    for (const entry of entries) this.entries.push({ entry, order: this.added++ });
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
    const next = this.entries.peek();
    if (!this.armed || !next) return;
    // Not unref'd: a started app with scheduled work keeps the process alive until stop().
    this.timer = this.clock.setTimer(() => this.onTimer(), next.entry.due - this.clock.now());
  }

  private onTimer(): void {
    const now = this.clock.now();
    const due: ScheduledEntry[] = [];
    while ((this.entries.peek()?.entry.due ?? Infinity) <= now) due.push(this.entries.pop()!.entry);
    // Timers may fire a little early; whatever is not yet due simply re-arms.
    if (due.length > 0) this.fire(due);
    this.rearm();
  }
}
