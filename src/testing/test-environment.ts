import { setTimeout as delay } from 'node:timers/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecoratorMetadata } from '../../decorators';
import { DurableApp } from '../app/durable-app';
import type { DurableAppOptions } from '../app/durable-app-options';
import type { DurableClient } from '../client/durable-client';
import { InvalidOptionsError, TimeoutError } from '../errors';
import type { Constructor } from '../registry/entity-definition';
import { ManualClock, type Clock, type ClockTimer } from '../runtime/clock';
import type { ResolveInstance } from '../runtime/instance-factory';

/**
 * Settings of {@link createTestEnvironment}: the {@link DurableAppOptions} of the embedded
 * engine (without `dataDir` and `clock`, which the environment provides), plus the start
 * time and how quiet is judged.
 */
export interface TestEnvironmentOptions extends Omit<DurableAppOptions, 'dataDir' | 'clock' | 'nats' | 'hub' | 'leaseTimeMs' | 'callTimeoutMs'> {
  /** Where the manual clock starts. Default: the current time. */
  startTime?: Date | number;
  /** Start the app before returning. Default true; with false, call `env.app.start()` yourself. */
  start?: boolean;
  /**
   * How long (real time) the app must show no activity before {@link TestEnvironment.waitForQuiet}
   * counts it as idle. Default 50 ms; raise it on a slow or heavily loaded machine.
   */
  quietPeriodMs?: number;
  /** How long (real time) {@link TestEnvironment.waitForQuiet} waits before giving up with a `TimeoutError`. Default 10,000 ms. */
  quietTimeoutMs?: number;
  /**
   * The former name of {@link TestEnvironmentOptions.quietTimeoutMs}; `quietTimeoutMs` wins when both are given.
   * @deprecated Use `quietTimeoutMs`.
   */
  settleTimeoutMs?: number;
}

/**
 * A started app on the embedded engine in a fresh temporary directory, with a manual clock,
 * for tests. See {@link createTestEnvironment}.
 */
export interface TestEnvironment {
  /** The app (replaced by {@link restart}). */
  readonly app: DurableApp;
  /** The app's client (replaced by {@link restart}). */
  readonly client: DurableClient;
  /** The clock the app runs on. It moves only when advanced. */
  readonly clock: ManualClock;
  /** The temporary data directory, removed by {@link dispose}. */
  readonly dataDir: string;
  /** The clock's current time. */
  now(): Date;
  /**
   * Moves the clock forward by `ms`. Each timer that falls due on the way fires in time
   * order, and the work it starts (activities, entity operations, new timers) finishes
   * before the clock moves on, so a timer set in response to another one within the span
   * fires too: a monitor that checks every 5 minutes runs 12 times in `advance(HOUR)`.
   */
  advance(ms: number): Promise<void>;
  /** Like {@link advance}, up to an absolute time (never backward). */
  advanceTo(time: Date | number): Promise<void>;
  /**
   * Resolves once the app has nothing left to do at the current time: no message waiting,
   * no activity running, no timer due, and nothing changed for the quiet period. Rejects
   * with a `TimeoutError` if it stays busy past `quietTimeoutMs`.
   */
  waitForQuiet(): Promise<void>;
  /**
   * The former name of {@link TestEnvironment.waitForQuiet}, which it calls.
   * @deprecated Use `waitForQuiet()`.
   */
  settle(): Promise<void>;
  /**
   * Stops the app and opens a new one on the same directory and clock, as after a process
   * restart: stored instances, entities and timers carry on. {@link app} and {@link client}
   * are the new ones afterwards.
   */
  restart(): Promise<void>;
  /** Stops the app and removes the directory. Safe to call more than once. */
  dispose(): Promise<void>;
}

/** The default {@link TestEnvironmentOptions.quietPeriodMs}. */
const DEFAULT_QUIET_MS = 50;
/** The default {@link TestEnvironmentOptions.quietTimeoutMs}. */
const DEFAULT_QUIET_TIMEOUT_MS = 10_000;
/** How often waitForQuiet() samples the app. */
const POLL_MS = 2;
/**
 * Quiet samples waitForQuiet() needs besides the quiet period: a process that was not scheduled
 * for a while must still see several turns of its event loop with nothing happening.
 */
const MIN_QUIET_SAMPLES = 10;

/**
 * Creates a test environment: the embedded engine in a fresh temporary directory, running on
 * a {@link ManualClock}, started, with a silent logger and `relaxed` durability (no fsync)
 * unless you pass others. Durable timers and scheduled signals fire only when you move the
 * clock with {@link TestEnvironment.advance}, so a 72-hour timeout runs in milliseconds.
 * Call {@link TestEnvironment.dispose} when the test ends.
 *
 * @example
 * ```ts
 * import { createTestEnvironment, type TestEnvironment } from 'jetstate';
 *
 * let env: TestEnvironment;
 * beforeEach(async () => {
 *   env = await createTestEnvironment({ orchestrators: [Approval], activities: [Mailer] });
 * });
 * afterEach(() => env.dispose());
 *
 * it('escalates after 72 hours without an answer', async () => {
 *   const handle = await env.client.startNew(Approval, { id: 'po-1', approver: 'maria' });
 *   await env.advance(71 * 3600_000);
 *   expect((await handle.status()).runtimeStatus).toBe('Running');
 *   await env.advance(1 * 3600_000);
 *   expect(await handle.result()).toMatchObject({ outcome: 'escalated' });
 * });
 * ```
 */
export async function createTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError('createTestEnvironment options must be an object such as { orchestrators: [MyOrchestrator] }.');
  }
  const { startTime, start = true, quietPeriodMs = DEFAULT_QUIET_MS, quietTimeoutMs: quietTimeoutOption, settleTimeoutMs, resolve, ...appOptions } = options;
  const durations = { quietPeriodMs, quietTimeoutMs: quietTimeoutOption, settleTimeoutMs };
  for (const [name, value] of Object.entries(durations).filter(([, given]) => given !== undefined)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidOptionsError(`createTestEnvironment: ${name} must be a number of milliseconds (0 or more), got ${String(value)}.`);
    }
  }
  const quietTimeoutMs = quietTimeoutOption ?? settleTimeoutMs ?? DEFAULT_QUIET_TIMEOUT_MS;
  if (startTime !== undefined && !(startTime instanceof Date ? Number.isFinite(startTime.getTime()) : Number.isFinite(startTime))) {
    throw new InvalidOptionsError(`createTestEnvironment: startTime must be a valid Date or epoch milliseconds, got ${String(startTime)}.`);
  }
  for (const key of ['dataDir', 'clock', 'nats', 'hub', 'leaseTimeMs', 'callTimeoutMs'] as const) {
    if (key in options) {
      throw new InvalidOptionsError(
        `createTestEnvironment: '${key}' cannot be set; the test environment runs the embedded engine in its own directory on its own clock.`,
      );
    }
  }

  const clock = new ManualClock(startTime ?? Date.now());
  const timers = new TrackedClock(clock);
  const activities = new ActivityTracker(resolve);
  const dataDir = await mkdtemp(join(tmpdir(), 'jetstate-test-env-'));
  const open = async (): Promise<DurableApp> => {
    activities.track(appOptions.activities ?? []);
    const app = await DurableApp.create({
      logger: { level: 'silent' },
      durability: 'relaxed',
      ...appOptions,
      resolve: activities.resolve,
      dataDir,
      clock: timers,
    });
    return app;
  };

  let app: DurableApp;
  try {
    app = await open();
    if (start) await app.start();
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  let disposed: Promise<void> | undefined;
  const assertOpen = (what: string): void => {
    if (disposed) throw new InvalidOptionsError(`${what}: the test environment was disposed.`);
  };

  /** A fingerprint of everything that moves while the app works. */
  const fingerprint = (): string => {
    const s = app.stats();
    return [s.applied, s.failed, s.duplicates, s.batches, s.backlog, s.scheduled, timers.changes, activities.changes].join(',');
  };

  const waitForQuiet = async (what = 'waitForQuiet'): Promise<void> => {
    assertOpen(what);
    const deadline = Date.now() + quietTimeoutMs;
    let last = '';
    let quietSince = Date.now();
    let quietSamples = 0;
    for (;;) {
      const busy = app.stats().backlog > 0 || activities.running > 0 || timers.hasDue();
      const current = fingerprint();
      if (busy || current !== last) {
        last = current;
        quietSince = Date.now();
        quietSamples = 0;
      } else if (++quietSamples >= MIN_QUIET_SAMPLES && Date.now() - quietSince >= quietPeriodMs) {
        return;
      }
      if (Date.now() > deadline) {
        throw new TimeoutError(
          `The test environment did not go quiet within ${quietTimeoutMs} ms (backlog ${app.stats().backlog}, ` +
            `activities running ${activities.running}). An activity may be waiting on something that never happens.`,
        );
      }
      await delay(POLL_MS);
    }
  };

  const advanceTo = async (time: Date | number): Promise<void> => {
    assertOpen('advance');
    const target = typeof time === 'number' ? time : time.getTime();
    if (!Number.isFinite(target)) throw new InvalidOptionsError(`advanceTo needs a valid Date or epoch milliseconds, got ${String(time)}.`);
    await waitForQuiet();
    for (;;) {
      const next = timers.nextDue();
      if (next === undefined || next > target) break;
      // Fires every timer due at `next`, then lets what they started finish.
      await clock.advanceTo(Math.max(next, clock.now()));
      await waitForQuiet();
    }
    await clock.advanceTo(Math.max(target, clock.now()));
  };

  return {
    get app() {
      return app;
    },
    get client() {
      return app.client;
    },
    clock,
    dataDir,
    now: () => new Date(clock.now()),
    advance: (ms) => {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        return Promise.reject(new InvalidOptionsError(`advance needs a number of milliseconds (0 or more), got ${String(ms)}.`));
      }
      return advanceTo(clock.now() + ms);
    },
    advanceTo,
    waitForQuiet: () => waitForQuiet(),
    settle: () => waitForQuiet('settle'),
    async restart() {
      assertOpen('restart');
      await app.stop();
      app = await open();
      await app.start();
    },
    dispose() {
      disposed ??= (async () => {
        try {
          await app.stop();
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      })();
      return disposed;
    },
  };
}

/** The app's clock: the manual clock, with a record of the timers armed on it. */
class TrackedClock implements Clock {
  private readonly pending = new Set<{ readonly due: number }>();
  /** Bumped whenever a timer is armed, fires or is canceled. */
  changes = 0;

  constructor(private readonly clock: ManualClock) {}

  now(): number {
    return this.clock.now();
  }

  setTimer(fire: () => void, delayMs: number): ClockTimer {
    const entry = { due: this.clock.now() + Math.max(0, delayMs) };
    this.pending.add(entry);
    this.changes++;
    const timer = this.clock.setTimer(() => {
      this.pending.delete(entry);
      this.changes++;
      fire();
    }, delayMs);
    return {
      cancel: () => {
        if (this.pending.delete(entry)) this.changes++;
        timer.cancel();
      },
    };
  }

  /** The earliest time a timer is armed for. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const { due } of this.pending) if (next === undefined || due < next) next = due;
    return next;
  }

  /** True when a timer is due now and about to fire. */
  hasDue(): boolean {
    const next = this.nextDue();
    return next !== undefined && next <= this.clock.now();
  }
}

/**
 * Counts activities running, so that waitForQuiet() waits for them: instances of activity classes
 * get their `@Activity()` methods wrapped as own properties.
 */
class ActivityTracker {
  private readonly methods = new Map<Function, readonly string[]>();
  running = 0;
  /** Bumped whenever an activity starts or ends. */
  changes = 0;

  constructor(private readonly userResolve: ResolveInstance | undefined) {}

  track(classes: readonly Function[]): void {
    for (const cls of classes) {
      if (typeof cls !== 'function' || this.methods.has(cls)) continue;
      const names = new Set<string>();
      for (const c of DecoratorMetadata.lineage(cls)) {
        for (const meta of DecoratorMetadata.activities(c)) if (!meta.isStatic) names.add(meta.methodName);
      }
      this.methods.set(cls, [...names]);
    }
  }

  readonly resolve: ResolveInstance = <T>(cls: Constructor<T>): T => {
    const instance = this.userResolve ? this.userResolve(cls) : new (cls as new () => T)();
    const names = this.methods.get(cls);
    if (names && instance !== null && typeof instance === 'object') {
      for (const name of names) {
        const method = (instance as Record<string, unknown>)[name];
        if (typeof method !== 'function') continue;
        Object.defineProperty(instance, name, {
          configurable: true,
          writable: true,
          enumerable: false,
          value: (...args: unknown[]) => this.run(() => (method as (...a: unknown[]) => unknown).apply(instance, args)),
        });
      }
    }
    return instance;
  };

  private async run(body: () => unknown): Promise<unknown> {
    this.running++;
    this.changes++;
    try {
      return await body();
    } finally {
      this.running--;
      this.changes++;
    }
  }
}
