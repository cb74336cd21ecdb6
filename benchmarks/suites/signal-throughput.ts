import { Counter } from '../fixtures/counter.entity';
import { withBenchApp } from '../lib/bench-app';
import { sendBounded } from '../lib/bounded-producer';
import { nowMs } from '../lib/stats';
import { withTimeout } from '../lib/timeout';

export interface SignalSettings {
  /** Number of `add(1)` signals sent. */
  readonly total: number;
  /** Number of distinct keys; signal i goes to key i % keys. */
  readonly keys: number;
  /** Most send promises outstanding at once. */
  readonly maxInFlight: number;
  readonly timeoutMs: number;
}

export interface SignalSample {
  /** Signals applied per second, from the first send until every counter shows its signals. */
  readonly signalsPerSecond: number;
  /** Signals durably enqueued per second (until the last send promise resolved). */
  readonly enqueuedPerSecond: number;
  readonly elapsedMs: number;
  readonly enqueuedMs: number;
}

/**
 * Sends `total` signals over `keys` counters and waits until all are applied. The wait is a
 * `call.get()` per key sent after every signal promise resolved: a call is delivered to its
 * entity's partition after the signals committed before it, so its answer includes them.
 * The answers are checked per key, and the committed state is read back afterwards.
 */
export async function measureSignals(settings: SignalSettings): Promise<SignalSample> {
  return withBenchApp(`signals-${settings.keys}`, async (app) => {
    const handles = Array.from({ length: settings.keys }, (_, i) => app.client.entity(Counter, `k${i}`));
    const expected = (i: number): number => Math.floor(settings.total / settings.keys) + (i < settings.total % settings.keys ? 1 : 0);

    const start = nowMs();
    const run = async (): Promise<{ values: number[]; enqueuedMs: number }> => {
      await sendBounded(settings.total, settings.maxInFlight, (i) => handles[i % settings.keys]!.signal.add(1));
      const enqueuedMs = nowMs() - start;
      const values = await Promise.all(handles.map((handle) => handle.call.get()));
      return { values, enqueuedMs };
    };
    const { values, enqueuedMs } = await withTimeout(run(), settings.timeoutMs, `${settings.total} signals over ${settings.keys} key(s)`);
    const elapsedMs = nowMs() - start;

    verify('applied values', values, expected, settings);
    const committed = await Promise.all(
      handles.map(async (handle) => {
        const response = await handle.read();
        return response.entityState?.value ?? 0;
      }),
    );
    verify('committed state', committed, expected, settings);

    return {
      signalsPerSecond: settings.total / (elapsedMs / 1000),
      enqueuedPerSecond: settings.total / (enqueuedMs / 1000),
      elapsedMs,
      enqueuedMs,
    };
  });
}

function verify(what: string, values: readonly number[], expected: (i: number) => number, settings: SignalSettings): void {
  const sum = values.reduce((total, v) => total + v, 0);
  const wrong = values.findIndex((v, i) => v !== expected(i));
  if (sum !== settings.total || wrong >= 0) {
    throw new Error(
      `Correctness check failed (${what}): sent ${settings.total} signals over ${settings.keys} key(s) but the counters sum to ${sum}` +
        (wrong >= 0 ? `; key k${wrong} holds ${values[wrong]}, expected ${expected(wrong)}` : '') +
        '.',
    );
  }
}
