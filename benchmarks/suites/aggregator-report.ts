import type { BenchArgs } from '../lib/bench-args';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AGGREGATORS_FULL, AGGREGATORS_QUICK, runAggregatorBench, type AggregatorRow, type EngineKind } from './aggregator-bench';
import { machineInfo } from '../lib/machine-info';
import { formatInt, renderTable } from '../lib/table';

/** The aggregator scenarios as a table, with the targets of the aggregators issue next to them. */
export function renderAggregatorReport(rows: readonly AggregatorRow[]): string {
  const table = renderTable(
    ['engine', 'scenario', 'items', 'applied/s', 'acknowledged/s', 'messages per item'],
    ['l', 'l', 'r', 'r', 'r', 'r'],
    rows.map((r) => [r.engine, r.scenario, formatInt(r.items), formatInt(r.appliedPerSecond), formatInt(r.ackedPerSecond), r.messagesPerItem.toFixed(4)]),
  );
  const find = (engine: EngineKind, scenario: string): AggregatorRow | undefined => rows.find((r) => r.engine === engine && r.scenario === scenario);
  const lines = ['Aggregators (items: signals, or words for WordCount; a rate counts from the first send)', table];
  const hot = find('embedded', 'hot key, merge');
  if (hot)
    lines.push(
      `target: embedded hot key with merge >= 1,000,000 signals/s acknowledged and applied: ${formatInt(Math.min(hot.ackedPerSecond, hot.appliedPerSecond))}/s`,
    );
  for (const engine of ['embedded', 'nats'] as const) {
    const before = find(engine, 'counter demo, forwarding');
    const after = find(engine, 'counter demo, roll-ups');
    if (before && after)
      lines.push(`counter demo on ${engine}: roll-ups ${(after.appliedPerSecond / before.appliedPerSecond).toFixed(1)}x the forwarding rate (target 5x)`);
  }
  return lines.join('\n');
}

/** `npm run bench -- --only aggregators [--quick] [--no-nats] [--no-embedded]`. */
export async function runAggregatorBenchAlone(args: BenchArgs, resultsDir: string, progress: (line: string) => void): Promise<void> {
  const quick = args.quick;
  const engines = (['embedded', 'nats'] as const).filter((engine) => (engine === 'nats' ? !args.skipNats : !args.skipEmbedded));
  progress(`jetstate bench (${quick ? 'quick' : 'full'}): aggregator scenarios only, on ${engines.join(' and ')}`);
  const rows = await runAggregatorBench(quick ? AGGREGATORS_QUICK : AGGREGATORS_FULL, progress, engines);
  console.log(`\n${renderAggregatorReport(rows)}`);
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, 'aggregators-latest.json');
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), machine: machineInfo(), rows }, null, 2)}\n`);
  console.log(`results written to ${file}`);
}
