import { setTimeout as delay } from 'node:timers/promises';

/** A timer armed on a {@link Clock}. */
export interface ClockTimer {
  cancel(): void;
}

/**
 * Where jetstate takes the time from: the system clock in production, a {@link ManualClock}
 * in tests. Scheduled signals, orchestration timers and `currentUtcDateTime` all read it.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fire` once, `delayMs` from now by this clock. */
  setTimer(fire: () => void, delayMs: number): ClockTimer;
}

/** The largest delay `setTimeout` accepts. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The real time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fire, delayMs) {
    let handle: NodeJS.Timeout;
    const due = Date.now() + delayMs;
    // setTimeout cannot wait longer than about 24.8 days: wait in steps.
    const arm = (): void => {
      const waitMs = due - Date.now();
      handle = waitMs > MAX_TIMEOUT_MS ? setTimeout(arm, MAX_TIMEOUT_MS) : setTimeout(fire, Math.max(0, waitMs));
    };
    arm();
    return { cancel: () => clearTimeout(handle) };
  },
};

interface PendingTimer {
  readonly due: number;
  readonly order: number;
  readonly fire: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to: tests run a 72-hour timeout in milliseconds.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
 * // ... start an orchestration that waits 72 hours ...
 * await clock.advance(72 * 3600_000);
 * ```
 */
export class ManualClock implements Clock {
  private time: number;
  private timers: PendingTimer[] = [];
  private order = 0;

  constructor(start: Date | number = Date.now()) {
    this.time = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.time;
  }

  setTimer(fire: () => void, delayMs: number): ClockTimer {
    const timer: PendingTimer = { due: this.time + Math.max(0, delayMs), order: this.order++, fire, cancelled: false };
    this.timers.push(timer);
    // A timer due now fires on the next turn, as setTimeout(fn, 0) would.
    if (timer.due <= this.time) setImmediate(() => this.fireDue());
    return { cancel: () => void (timer.cancelled = true) };
  }

  /**
   * Moves the clock forward by `ms`, firing the timers that fall due in time order, and
   * lets the work they start run between steps.
   */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.time + ms);
  }

  /** Moves the clock forward to `time` (never backward), firing what falls due on the way. */
  async advanceTo(time: Date | number): Promise<void> {
    const target = typeof time === 'number' ? time : time.getTime();
    for (;;) {
      const next = this.nextTimer();
      if (!next || next.due > target) break;
      this.time = Math.max(this.time, next.due);
      this.fireDue();
      await letFiredTimersRun();
    }
    this.time = Math.max(this.time, target);
  }

  private nextTimer(): PendingTimer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let next: PendingTimer | undefined;
    for (const t of this.timers) if (!next || t.due < next.due || (t.due === next.due && t.order < next.order)) next = t;
    return next;
  }

  private fireDue(): void {
    const due = this.timers.filter((t) => !t.cancelled && t.due <= this.time).sort((a, b) => a.due - b.due || a.order - b.order);
    this.timers = this.timers.filter((t) => !due.includes(t));
    for (const t of due) {
      t.cancelled = true;
      t.fire();
    }
  }
}

/** Lets I/O and promise callbacks that a fired timer started run. */
function letFiredTimersRun(): Promise<void> {
  return delay(5);
}
