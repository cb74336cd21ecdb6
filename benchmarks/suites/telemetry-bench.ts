import type { BenchArgs } from '../lib/bench-args';
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Durability } from '../../src/index';
import { medianInterval, spreadOf, type Interval, type Spread } from '../lib/stats';
import { formatInt, formatSpread, renderTable } from '../lib/table';
import type { TelemetryRoundResult } from '../fixtures/telemetry-round';

const execFileAsync = promisify(execFile);

// Compiled to build/benchmarks/suites/; the processes it starts are in build/benchmarks/fixtures/.
const ROUND_SCRIPT = join(__dirname, '..', 'fixtures', 'telemetry-round.js');
const SEAM_SCRIPT = join(__dirname, '..', 'fixtures', 'telemetry-seam.js');

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

/** Median of the per-round ratios (API present over absent) with its 95% bootstrap interval. */
interface RatioResult {
  readonly scenario: string;
  readonly absent: Spread;
  readonly api: Spread;
  readonly absentCpuMicros: Spread;
  readonly apiCpuMicros: Spread;
  /** signals/s with the API present over signals/s without it, round by round. */
  readonly rateRatio: Interval;
  /** CPU per signal with the API present over CPU per signal without it, round by round. */
  readonly cpuRatio: Interval;
}

/** The cost bound the issue sets: signals/s with the API present at least 97% of those without it. */
const MAX_COST = 0.03;

/**
 * `npm run bench -- --only telemetry [--quick]`: signals/s with `@opentelemetry/api`
 * absent and present (no SDK registered). Each round runs both variants, each in a fresh
 * process (so they never share a heap, JIT state or caches), in alternating order; the
 * per-round ratios pair the two runs that met the same moment of a shared machine, and a
 * bootstrap interval of their median says how sure the figure is.
 */
export async function runTelemetryBenchAlone(args: BenchArgs, resultsDir: string, progress: Progress): Promise<void> {
  const rounds = args.quick ? 3 : 15;
  const pinned = canPin();
  progress(
    `jetstate bench: telemetry overhead without an SDK, ${rounds} rounds per scenario, each variant in a fresh process, ` +
      (pinned ? 'the two at once, each pinned to a core of its own (swapped every round)' : 'one after the other (alternating order)'),
  );

  const results: RatioResult[] = [];
  for (const scenario of SCENARIOS) {
    const samples: Record<Variant, TelemetryRoundResult[]> = { absent: [], api: [] };
    const rateRatios: number[] = [];
    const cpuRatios: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const sample = await runPair(scenario, round, pinned);
      for (const variant of ['absent', 'api'] as const) samples[variant].push(sample[variant]);
      rateRatios.push(sample.api!.signalsPerSecond / sample.absent!.signalsPerSecond);
      cpuRatios.push(sample.api!.cpuMicrosPerSignal / sample.absent!.cpuMicrosPerSignal);
      progress(
        `[${round}/${rounds}] ${scenario.name}: absent ${formatInt(sample.absent!.signalsPerSecond)} signals/s (${sample.absent!.cpuMicrosPerSignal.toFixed(1)} µs CPU each), ` +
          `api ${formatInt(sample.api!.signalsPerSecond)} signals/s (${sample.api!.cpuMicrosPerSignal.toFixed(1)} µs CPU each)`,
      );
    }
    results.push({
      scenario: scenario.name,
      absent: spreadOf(samples.absent.map((s) => s.signalsPerSecond)),
      api: spreadOf(samples.api.map((s) => s.signalsPerSecond)),
      absentCpuMicros: spreadOf(samples.absent.map((s) => s.cpuMicrosPerSignal)),
      apiCpuMicros: spreadOf(samples.api.map((s) => s.cpuMicrosPerSignal)),
      rateRatio: medianInterval(rateRatios),
      cpuRatio: medianInterval(cpuRatios),
    });
  }
  const seam = { absent: seamNanosPerSignal('absent'), api: seamNanosPerSignal('api') };
  const extraNanos = seam.api - seam.absent;

  const interval = (i: Interval): string => `${i.estimate.toFixed(3)} [${i.low.toFixed(3)}, ${i.high.toFixed(3)}]`;
  console.log(
    `\n${renderTable(
      [
        'scenario',
        'signals/s, API absent',
        'API present, no SDK',
        'rate ratio [95% CI]',
        'CPU µs/signal, absent',
        'present',
        'CPU ratio [95% CI]',
        'cost < 3%',
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      results.map((r) => [
        r.scenario,
        `${formatInt(r.absent.median)} ${formatSpread(r.absent.relative)}`,
        `${formatInt(r.api.median)} ${formatSpread(r.api.relative)}`,
        interval(r.rateRatio),
        r.absentCpuMicros.median.toFixed(2),
        r.apiCpuMicros.median.toFixed(2),
        interval(r.cpuRatio),
        verdict(r.rateRatio),
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

/** `yes` when the whole interval shows a cost under 3%, `no` when it shows one over, else `not shown`. */
function verdict(rateRatio: Interval): string {
  if (rateRatio.low >= 1 - MAX_COST) return 'yes';
  if (rateRatio.high < 1 - MAX_COST) return 'no';
  return 'not shown';
}

/** One variant's round in a fresh process (see fixtures/telemetry-round.ts). */
async function runRound(variant: Variant, scenario: Scenario, core?: number): Promise<TelemetryRoundResult> {
  const args = [ROUND_SCRIPT, variant, scenario.durability, scenario.total, scenario.keys, scenario.maxInFlight].map(String);
  const [command, commandArgs] = core === undefined ? [process.execPath, args] : ['taskset', ['-c', String(core), process.execPath, ...args]];
  const { stdout } = await execFileAsync(command, commandArgs, { encoding: 'utf8', timeout: 300_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as TelemetryRoundResult;
}

/**
 * Both variants of one round. Pinned, they run at the same time on cores 0 and 1 (swapped
 * every round), so whatever slows the machine down at that moment slows both; otherwise
 * one after the other, in alternating order.
 */
async function runPair(scenario: Scenario, round: number, pinned: boolean): Promise<Record<Variant, TelemetryRoundResult>> {
  if (pinned) {
    const [absentCore, apiCore] = round % 2 === 1 ? [0, 1] : [1, 0];
    const [absent, api] = await Promise.all([runRound('absent', scenario, absentCore), runRound('api', scenario, apiCore)]);
    return { absent, api };
  }
  const order: Variant[] = round % 2 === 1 ? ['absent', 'api'] : ['api', 'absent'];
  const sample: Partial<Record<Variant, TelemetryRoundResult>> = {};
  for (const variant of order) sample[variant] = await runRound(variant, scenario);
  return sample as Record<Variant, TelemetryRoundResult>;
}

/** Whether two cores can be given one variant each (Linux `taskset`, at least 2 cores). */
function canPin(): boolean {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-c', '0', process.execPath, '-e', '0'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The seam's cost per signal for `variant`, measured in a fresh process (see fixtures/telemetry-seam.ts); the best of 3 processes. */
function seamNanosPerSignal(variant: Variant): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const output = execFileSync(process.execPath, [SEAM_SCRIPT, variant], { encoding: 'utf8' });
    best = Math.min(best, (JSON.parse(output.trim().split('\n').pop()!) as { nanosPerSignal: number }).nanosPerSignal);
  }
  return best;
}
