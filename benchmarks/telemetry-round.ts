// One round of the telemetry benchmark in a fresh process, so the two variants never share
// a heap, JIT state or LevelDB cache. Usage (compiled):
//   node build/benchmarks/telemetry-round.js absent|api strict|relaxed <total> <keys> <maxInFlight>
// Prints { signalsPerSecond, cpuMicrosPerSignal } as JSON.
import { DurableApp, type Durability } from '../src/index';
import { NOOP_TELEMETRY, loadTelemetry, telemetry, useTelemetry } from '../src/telemetry/telemetry';
import { sendBounded } from './bounded-producer';
import { Counter } from './counter.entity';
import { nowMs } from './stats';
import { withTempDir } from './temp-dir';
import { withTimeout } from './timeout';

/** What one round measured. */
export interface TelemetryRoundResult {
  readonly signalsPerSecond: number;
  /** CPU time of the process (all threads) per signal, in microseconds. */
  readonly cpuMicrosPerSignal: number;
}

async function round(variant: string, durability: Durability, total: number, keys: number, maxInFlight: number): Promise<TelemetryRoundResult> {
  const withApi = await loadTelemetry();
  if (!withApi.active) throw new Error('@opentelemetry/api is not installed; run npm install first (it is a devDependency).');
  const chosen = variant === 'api' ? withApi : NOOP_TELEMETRY;
  useTelemetry(chosen);
  return withTempDir('telemetry', async (dataDir) => {
    const app = await DurableApp.create({ entities: [Counter], dataDir, durability, logger: { level: 'silent' } });
    await app.start();
    try {
      if (telemetry() !== chosen) throw new Error('the telemetry variant changed during the measurement');
      const handles = Array.from({ length: keys }, (_, i) => app.client.entity(Counter, `k${i}`));
      const send = async (count: number): Promise<void> => {
        await sendBounded(count, maxInFlight, (i) => handles[i % keys]!.signal.add(1));
        await Promise.all(handles.map((handle) => handle.call.get()));
      };
      // Warm up first (opening the app, loading the entities, JIT), then measure the steady state.
      await withTimeout(send(Math.min(total, 20_000)), 120_000, 'warm-up');
      const start = nowMs();
      const cpuBefore = process.cpuUsage();
      await withTimeout(send(total), 120_000, `${total} signals (${durability})`);
      const elapsedMs = nowMs() - start;
      const cpu = process.cpuUsage(cpuBefore);
      const values = await Promise.all(handles.map((handle) => handle.call.get()));
      const sum = values.reduce((a, b) => a + b, 0);
      const expected = total + Math.min(total, 20_000);
      if (sum !== expected) throw new Error(`Correctness check failed: sent ${expected} signals, the counters sum to ${sum}.`);
      return { signalsPerSecond: total / (elapsedMs / 1000), cpuMicrosPerSignal: (cpu.user + cpu.system) / total };
    } finally {
      await app.stop();
    }
  });
}

const [variant, durability, total, keys, maxInFlight] = process.argv.slice(2);
if (require.main === module) {
  round(variant!, durability as Durability, Number(total), Number(keys), Number(maxInFlight)).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
