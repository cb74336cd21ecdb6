import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DurableApp, type Durability } from '../src/index';
import { NOOP_TELEMETRY, loadTelemetry, telemetry, useTelemetry, type Telemetry } from '../src/telemetry/telemetry';
import { sendBounded } from './bounded-producer';
import { Counter } from './counter.entity';
import { nowMs, spreadOf, type Spread } from './stats';
import { formatInt, formatSpread, renderTable } from './table';
import { withTempDir } from './temp-dir';
import { withTimeout } from './timeout';

type Progress = (text: string) => void;

/** The two ways jetstate runs without an SDK: the package absent (the no-op seam), or the API installed and nothing registered. */
type Variant = 'absent' | 'api';

interface Scenario {
  readonly name: string;
  readonly durability: Durability;
  readonly total: number;
  readonly keys: number;
  readonly maxInFlight: number;
}

// 200 signals per key, so a round measures the steady state rather than opening an app and
// loading its entities (with 30 per key, rounds spread by ±36%).
const SCENARIOS: readonly Scenario[] = [
  // What an app sees by default: one fsync per group commit.
  { name: 'strict durability', durability: 'strict', total: 200_000, keys: 1000, maxInFlight: 5000 },
  // No fsync: CPU-bound, so per-signal costs show most.
  { name: 'relaxed durability', durability: 'relaxed', total: 200_000, keys: 1000, maxInFlight: 5000 },
];

/** One measured run. */
interface Sample {
  readonly signalsPerSecond: number;
  /** CPU time of this process (all threads) per signal, in microseconds: steadier than wall time on a busy machine. */
  readonly cpuMicrosPerSignal: number;
}

interface ScenarioResult {
  readonly scenario: string;
  readonly absent: Spread;
  readonly api: Spread;
  readonly absentCpuMicros: Spread;
  readonly apiCpuMicros: Spread;
  /** Median CPU per signal with the API present over the median without it. */
  readonly cpuRatio: number;
  /** Median signals/s with the API present over the median without it. */
  readonly ratio: number;
  /** Median of the per-round ratios (each round runs both variants back to back). */
  readonly pairedRatio: number;
}

/**
 * `npm run bench -- --only telemetry [--quick]`: signals/s with `@opentelemetry/api`
 * absent and present (no SDK registered), interleaved round by round (the order alternates)
 * so noise on a shared machine hits both alike, and the CPU time each signal took (which
 * other processes disturb less than wall time).
 */
export async function runTelemetryBenchAlone(args: readonly string[], resultsDir: string, progress: Progress): Promise<void> {
  const only = args.indexOf('--only');
  const rest = args.filter((_arg, i) => i !== only && i !== only + 1);
  if (args[only + 1] !== 'telemetry' || rest.some((arg) => arg !== '--quick')) throw new Error('Usage: npm run bench -- --only telemetry [--quick]');
  const rounds = rest.includes('--quick') ? 3 : 11;
  // Load once, so app creation never switches the variant under the benchmark.
  const withApi = await loadTelemetry();
  if (!withApi.active) throw new Error('@opentelemetry/api is not installed; run npm install first (it is a devDependency).');
  const variants: Record<Variant, Telemetry> = { absent: NOOP_TELEMETRY, api: withApi };
  progress(`jetstate bench: telemetry overhead without an SDK, ${rounds} rounds per scenario`);

  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS) {
    await measure(scenario, variants.api, Math.min(scenario.total, 10_000));
    await measure(scenario, variants.absent, Math.min(scenario.total, 10_000));
    const samples: Record<Variant, Sample[]> = { absent: [], api: [] };
    const paired: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const order: Variant[] = round % 2 === 1 ? ['absent', 'api'] : ['api', 'absent'];
      const sample: Partial<Record<Variant, Sample>> = {};
      for (const variant of order) {
        sample[variant] = await measure(scenario, variants[variant], scenario.total);
        samples[variant].push(sample[variant]!);
      }
      paired.push(sample.api!.signalsPerSecond / sample.absent!.signalsPerSecond);
      progress(
        `[${round}] ${scenario.name}: absent ${formatInt(sample.absent!.signalsPerSecond)} signals/s (${sample.absent!.cpuMicrosPerSignal.toFixed(1)} µs CPU each), ` +
          `api ${formatInt(sample.api!.signalsPerSecond)} signals/s (${sample.api!.cpuMicrosPerSignal.toFixed(1)} µs CPU each)`,
      );
    }
    const absent = spreadOf(samples.absent.map((s) => s.signalsPerSecond));
    const api = spreadOf(samples.api.map((s) => s.signalsPerSecond));
    const absentCpuMicros = spreadOf(samples.absent.map((s) => s.cpuMicrosPerSignal));
    const apiCpuMicros = spreadOf(samples.api.map((s) => s.cpuMicrosPerSignal));
    results.push({
      scenario: scenario.name,
      absent,
      api,
      absentCpuMicros,
      apiCpuMicros,
      cpuRatio: apiCpuMicros.median / absentCpuMicros.median,
      ratio: api.median / absent.median,
      pairedRatio: spreadOf(paired).median,
    });
  }
  useTelemetry(withApi);
  const seam = { absent: seamNanosPerSignal('absent'), api: seamNanosPerSignal('api') };
  const extraNanos = seam.api - seam.absent;

  console.log(
    `\n${renderTable(
      ['scenario', 'signals/s, api absent', 'api present, no SDK', 'ratio', 'paired ratio', 'CPU µs/signal, absent', 'present', 'CPU ratio'],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      results.map((r) => [
        r.scenario,
        `${formatInt(r.absent.median)} ${formatSpread(r.absent.relative)}`,
        `${formatInt(r.api.median)} ${formatSpread(r.api.relative)}`,
        r.ratio.toFixed(3),
        r.pairedRatio.toFixed(3),
        r.absentCpuMicros.median.toFixed(1),
        r.apiCpuMicros.median.toFixed(1),
        r.cpuRatio.toFixed(3),
      ]),
    )}`,
  );
  console.log(
    `\nInstrumentation calls per signal (a client signal and the operation it runs), best of 3 processes: ` +
      `${seam.absent.toFixed(0)} ns with the API absent, ${seam.api.toFixed(0)} ns with it present, ${extraNanos.toFixed(0)} ns more.`,
  );
  for (const r of results) {
    const share = extraNanos / (r.absentCpuMicros.median * 1000);
    console.log(`  ${r.scenario}: ${(share * 100).toFixed(2)}% of the ${r.absentCpuMicros.median.toFixed(1)} µs of CPU a signal took with the API absent.`);
  }
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, 'telemetry-latest.json');
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), rounds, scenarios: SCENARIOS, results, seamNanosPerSignal: seam }, null, 2)}\n`);
  console.log(`results written to ${file}`);
}

/** Sends `total` signals over the scenario's keys with `variant` in use; signals applied per second. */
async function measure(scenario: Scenario, variant: Telemetry, total: number): Promise<Sample> {
  useTelemetry(variant);
  return withTempDir('telemetry', async (dataDir) => {
    const app = await DurableApp.create({ entities: [Counter], dataDir, durability: scenario.durability, logger: { level: 'silent' } });
    await app.start();
    try {
      if (telemetry() !== variant) throw new Error('the telemetry variant changed during the measurement');
      const handles = Array.from({ length: scenario.keys }, (_, i) => app.client.entity(Counter, `k${i}`));
      const start = nowMs();
      const cpuBefore = process.cpuUsage();
      const run = async (): Promise<number[]> => {
        await sendBounded(total, scenario.maxInFlight, (i) => handles[i % scenario.keys]!.signal.add(1));
        return Promise.all(handles.map((handle) => handle.call.get()));
      };
      const values = await withTimeout(run(), 120_000, `${total} signals (${scenario.name})`);
      const elapsedMs = nowMs() - start;
      const cpu = process.cpuUsage(cpuBefore);
      const sum = values.reduce((a, b) => a + b, 0);
      if (sum !== total) throw new Error(`Correctness check failed: sent ${total} signals, the counters sum to ${sum}.`);
      return { signalsPerSecond: total / (elapsedMs / 1000), cpuMicrosPerSignal: (cpu.user + cpu.system) / total };
    } finally {
      await app.stop();
    }
  });
}

/** The seam's cost per signal for `variant`, measured in a fresh process (see telemetry-seam.ts); the best of 3 processes. */
function seamNanosPerSignal(variant: Variant): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const output = execFileSync(process.execPath, [join(__dirname, 'telemetry-seam.js'), variant], { encoding: 'utf8' });
    best = Math.min(best, (JSON.parse(output.trim().split('\n').pop()!) as { nanosPerSignal: number }).nanosPerSignal);
  }
  return best;
}
