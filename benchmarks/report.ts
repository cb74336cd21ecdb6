import type { CallLatencyResult } from './call-latency';
import type { MachineInfo } from './machine-info';
import type { BenchSettings } from './settings';
import { TARGETS } from './settings';
import type { LatencySummary, Spread } from './stats';
import { formatInt, formatMs, formatRatio, formatSpread, renderTable } from './table';

/** A throughput scenario: the spread of its repetitions and its detail per repetition. */
export interface ThroughputResult<D> {
  readonly perSecond: Spread;
  /** Median result divided by the ceiling's median puts/s. */
  readonly ratioToCeiling: number;
  /** Median result divided by the median rate of the packed ceiling (one put per batch of signals). */
  readonly ratioToPackedCeiling: number;
  readonly runs: readonly D[];
}

export interface BenchResults {
  readonly date: string;
  readonly mode: BenchSettings['mode'];
  readonly durability: 'strict';
  readonly machine: MachineInfo;
  readonly settings: BenchSettings;
  readonly targets: typeof TARGETS;
  readonly ceiling: {
    readonly putsPerSecond: Spread;
    readonly putMainThreadMicros: Spread;
    readonly chainedPutsPerSecond: Spread;
    readonly chainedPutMainThreadMicros: Spread;
    readonly packedSignalsPerSecond: Spread;
    readonly syncWriteLatencyMs: LatencySummary;
  };
  readonly signalsManyKeys: ThroughputResult<{ signalsPerSecond: number; enqueuedPerSecond: number; elapsedMs: number; enqueuedMs: number }> & {
    readonly enqueuedPerSecond: Spread;
    readonly pass: boolean;
  };
  readonly signalsOneKey: ThroughputResult<{ signalsPerSecond: number; enqueuedPerSecond: number; elapsedMs: number; enqueuedMs: number }> & {
    readonly enqueuedPerSecond: Spread;
    readonly pass: boolean;
  };
  readonly callLatencyMs: {
    readonly increment: LatencySummary & { readonly p50RatioToSyncWrite: number; readonly pass: boolean };
    readonly get: LatencySummary & { readonly p50RatioToSyncWrite: number; readonly pass: boolean };
  };
  readonly totalSeconds: number;
}

const mark = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');

function rate(spread: Spread, unit: string): [string, string] {
  return [`${formatInt(spread.median)} ${unit}`, `${formatInt(spread.min)}..${formatInt(spread.max)} (${formatSpread(spread.relative)})`];
}

function latency(summary: LatencySummary): string {
  return `${formatMs(summary.p50)} / ${formatMs(summary.p99)} ms`;
}

/** The human-readable report. */
export function renderReport(r: BenchResults): string {
  const s = r.settings;
  const m = r.machine;
  const header = [
    `jetstate benchmark (${r.mode}), ${r.date}`,
    `${m.cpuModel}, ${m.cores} cores, node ${m.node}, ${m.platform} ${m.osRelease}; data in ${m.dataDirBase} (${m.dataDirFileSystem}); load avg at start ${m.loadAverage.join(' ')}`,
    `durability 'strict' (fsync per group commit); throughput figures are the median of ${s.repetitions} runs, each in a fresh data directory`,
    `vs ceiling: result / LevelStore ceiling puts/s (in parentheses: / packed ceiling); latencies: p50 / single sync write p50`,
    '',
  ];
  const rows: string[][] = [
    [
      `Ceiling: LevelStore.write, sync batches of ${formatInt(s.ceiling.batchSize)} signal-sized puts`,
      ...rate(r.ceiling.putsPerSecond, 'puts/s'),
      '1x',
      '',
      '',
    ],
    [
      `  main-thread time per put in the write call`,
      `${r.ceiling.putMainThreadMicros.median.toFixed(2)} µs`,
      `${r.ceiling.putMainThreadMicros.min.toFixed(2)}..${r.ceiling.putMainThreadMicros.max.toFixed(2)}`,
      '',
      '',
      '',
    ],
    [
      `Ceiling: same puts, level chained batch`,
      ...rate(r.ceiling.chainedPutsPerSecond, 'puts/s'),
      formatRatio(r.ceiling.chainedPutsPerSecond.median / r.ceiling.putsPerSecond.median),
      '',
      '',
    ],
    [
      `  main-thread time per put in the write call`,
      `${r.ceiling.chainedPutMainThreadMicros.median.toFixed(2)} µs`,
      `${r.ceiling.chainedPutMainThreadMicros.min.toFixed(2)}..${r.ceiling.chainedPutMainThreadMicros.max.toFixed(2)}`,
      '',
      '',
      '',
    ],
    [
      'Ceiling: same signals packed in 1 put per batch (LevelStore)',
      ...rate(r.ceiling.packedSignalsPerSecond, 'signals/s'),
      formatRatio(r.ceiling.packedSignalsPerSecond.median / r.ceiling.putsPerSecond.median),
      '',
      '',
    ],
    ['Ceiling: single-record sync write p50 / p99', latency(r.ceiling.syncWriteLatencyMs), `${formatInt(r.ceiling.syncWriteLatencyMs.count)} writes`, '', '', ''],
    [
      `Signals: ${formatInt(s.manyKeys.total)} add(1) over ${formatInt(s.manyKeys.keys)} keys, applied`,
      ...rate(r.signalsManyKeys.perSecond, 'signals/s'),
      `${formatRatio(r.signalsManyKeys.ratioToCeiling)} (${formatRatio(r.signalsManyKeys.ratioToPackedCeiling)} packed)`,
      `>= ${formatInt(TARGETS.manyKeysSignalsPerSecond)}/s`,
      mark(r.signalsManyKeys.pass),
    ],
    [
      `  (durably enqueued, same runs)`,
      ...rate(r.signalsManyKeys.enqueuedPerSecond, 'signals/s'),
      formatRatio(r.signalsManyKeys.enqueuedPerSecond.median / r.ceiling.putsPerSecond.median),
      '',
      '',
    ],
    [
      `Signals: ${formatInt(s.oneKey.total)} add(1) on 1 key, applied`,
      ...rate(r.signalsOneKey.perSecond, 'signals/s'),
      `${formatRatio(r.signalsOneKey.ratioToCeiling)} (${formatRatio(r.signalsOneKey.ratioToPackedCeiling)} packed)`,
      `>= ${formatInt(TARGETS.oneKeySignalsPerSecond)}/s`,
      mark(r.signalsOneKey.pass),
    ],
    [
      `  (durably enqueued, same runs)`,
      ...rate(r.signalsOneKey.enqueuedPerSecond, 'signals/s'),
      formatRatio(r.signalsOneKey.enqueuedPerSecond.median / r.ceiling.putsPerSecond.median),
      '',
      '',
    ],
    [
      `call.increment() p50 / p99, ${formatInt(s.calls.count)} sequential`,
      latency(r.callLatencyMs.increment),
      `p90 ${formatMs(r.callLatencyMs.increment.p90)}, max ${formatMs(r.callLatencyMs.increment.max)}`,
      `${formatRatio(r.callLatencyMs.increment.p50RatioToSyncWrite)} sync write`,
      `p50 < ${TARGETS.callP50Ms} ms`,
      mark(r.callLatencyMs.increment.pass),
    ],
    [
      `call.get() p50 / p99, ${formatInt(s.calls.count)} sequential`,
      latency(r.callLatencyMs.get),
      `p90 ${formatMs(r.callLatencyMs.get.p90)}, max ${formatMs(r.callLatencyMs.get.max)}`,
      `${formatRatio(r.callLatencyMs.get.p50RatioToSyncWrite)} sync write`,
      `p50 < ${TARGETS.callP50Ms} ms`,
      mark(r.callLatencyMs.get.pass),
    ],
  ];
  const table = renderTable(['Scenario', 'Result (median)', 'Spread (min..max)', 'vs ceiling', 'Target', ''], ['l', 'r', 'r', 'r', 'l', 'l'], rows);
  return [...header, table, '', `total ${r.totalSeconds.toFixed(1)} s`].join('\n');
}

/** Builds the call-latency part of the results. */
export function callLatencyResults(calls: CallLatencyResult, syncWrite: LatencySummary): BenchResults['callLatencyMs'] {
  const judge = (summary: LatencySummary) => ({
    ...summary,
    p50RatioToSyncWrite: summary.p50 / syncWrite.p50,
    pass: summary.p50 < TARGETS.callP50Ms,
  });
  return { increment: judge(calls.increment), get: judge(calls.get) };
}
