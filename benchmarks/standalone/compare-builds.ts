import { execFile } from 'node:child_process';
import { resolve, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { integerArg } from '../lib/bench-args';
import type { CompareRoundResult } from '../fixtures/compare-round';
import { medianInterval, spreadOf } from '../lib/stats';
import { formatInt, formatMs, renderTable } from '../lib/table';

const execFileAsync = promisify(execFile);

// Compiled to build/benchmarks/standalone/; each round runs in build/benchmarks/fixtures/.
const ROUND_SCRIPT = join(__dirname, '..', 'fixtures', 'compare-round.js');

const USAGE = 'usage: node build/benchmarks/standalone/compare-builds.js --before <tree> --after <tree> [--rounds N] [--json]';

/** The figures compared, and whether more is better. */
const FIGURES: readonly {
  readonly key: keyof CompareRoundResult;
  readonly label: string;
  readonly higherIsBetter: boolean;
  readonly format: (n: number) => string;
}[] = [
  { key: 'manyKeysPerSecond', label: 'signals/s, 1,000 keys', higherIsBetter: true, format: formatInt },
  { key: 'oneKeyPerSecond', label: 'signals/s, 1 key', higherIsBetter: true, format: formatInt },
  { key: 'callP50Ms', label: 'call p50 ms', higherIsBetter: false, format: formatMs },
  { key: 'orchestrationsPerSecond', label: 'HelloSequence orchestrations/s', higherIsBetter: true, format: formatInt },
];

/**
 * Compares two builds of jetstate (two checkouts, each compiled with `npm run compile`) on
 * the embedded engine: each round runs both, each in a fresh process, in alternating
 * order; the ratio after/before is taken per round (the two runs met the same moment of a
 * shared machine) and summarized by its median with a 95% bootstrap interval.
 *
 *   node build/benchmarks/standalone/compare-builds.js --before ../old --after . [--rounds 9] [--json]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: { before: { type: 'string' }, after: { type: 'string' }, rounds: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (!values.before || !values.after) throw new Error(USAGE);
  const trees = { before: resolve(values.before), after: resolve(values.after) };
  const rounds = integerArg('rounds', values.rounds, 9);
  const samples: Record<'before' | 'after', CompareRoundResult[]> = { before: [], after: [] };
  const ratios: Record<string, number[]> = Object.fromEntries(FIGURES.map((f) => [f.key, []]));
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    const result: Partial<Record<'before' | 'after', CompareRoundResult>> = {};
    for (const side of order) {
      const { stdout } = await execFileAsync(process.execPath, [ROUND_SCRIPT, trees[side]], { encoding: 'utf8', timeout: 600_000 });
      result[side] = JSON.parse(stdout.trim().split('\n').pop()!) as CompareRoundResult;
      samples[side].push(result[side]);
    }
    for (const f of FIGURES) ratios[f.key]!.push(result.after![f.key] / result.before![f.key]);
    process.stderr.write(
      `  [${round}/${rounds}] ${FIGURES.map((f) => `${f.label}: ${f.format(result.before![f.key])} -> ${f.format(result.after![f.key])}`).join('; ')}\n`,
    );
  }
  const rows = FIGURES.map((f) => {
    const interval = medianInterval(ratios[f.key]!);
    const before = spreadOf(samples.before.map((s) => s[f.key])).median;
    const after = spreadOf(samples.after.map((s) => s[f.key])).median;
    return { figure: f.label, before, after, ratio: interval, higherIsBetter: f.higherIsBetter, format: f.format };
  });
  if (values.json) {
    console.log(JSON.stringify({ trees, rounds, samples, rows: rows.map(({ format: _format, ...row }) => row) }, null, 2));
    return;
  }
  console.log(
    renderTable(
      ['figure', 'before (median)', 'after (median)', 'after / before [95% CI]'],
      ['l', 'r', 'r', 'r'],
      rows.map((r) => [
        `${r.figure} (${r.higherIsBetter ? 'higher' : 'lower'} is better)`,
        r.format(r.before),
        r.format(r.after),
        `${r.ratio.estimate.toFixed(3)} [${r.ratio.low.toFixed(3)}, ${r.ratio.high.toFixed(3)}]`,
      ]),
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
