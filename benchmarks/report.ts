import type { CallLatencyResult } from './call-latency';
import type { CpuBusy } from './cpu-usage';
import { configurationLabel, type NatsResults, type NatsThroughputResult } from './nats-bench';
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
  /** The NATS JetStream scenarios; absent with `--no-nats`. */
  readonly nats?: NatsResults;
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
  if (r.nats) {
    header.push(...natsHeader(r));
    rows.push(...natsRows(r, r.nats));
  }
  header.push('');
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

function natsHeader(r: BenchResults): string[] {
  const n = r.nats!;
  return [
    `NATS: nats-server ${n.serverVersion} started by the benchmark (JetStream file storage in ${r.machine.dataDirBase}, not fsynced per message: its default); hubs of 32 partitions; ` +
      `client: DurableClient.connect in this process; workers: DurableApp with default settings, a fresh hub per configuration`,
    `NATS vs ceiling: result / median js.publish ceiling (in parentheses: / core publish ceiling); throughput figures are medians of ${r.settings.repetitions} runs, ` +
      `the ceiling's of ${n.ceiling.runs.length} samples taken between the configurations; a signal run ends when a call.get() to every key returned its full count`,
    `NATS cores: CPU time / wall time from the first send until the server had removed every acknowledged message from the work stream, ` +
      `of this process (client, and an in-process worker), of the worker processes together, of nats-server (server), and of everything else on the machine (other; ` +
      `a run with other >= ${DISTURBED_CORES} counts as disturbed)`,
  ];
}

function busy(cpu: CpuBusy, placement: string): string {
  const f = (v: number | undefined): string => (v === undefined ? '?' : v.toFixed(2));
  return placement === 'child'
    ? `client ${f(cpu.bench)}, workers ${f(cpu.workers)}, server ${f(cpu.server)}, other ${f(cpu.other)}`
    : `client+worker ${f(cpu.bench)}, server ${f(cpu.server)}, other ${f(cpu.other)}`;
}

/** A run during which the rest of the machine kept this many cores busy is counted as disturbed. */
const DISTURBED_CORES = 0.25;

/** CPU microseconds per signal of each side (cores x measured interval / signals): less sensitive to a shared machine than rates. */
function perSignal(run: { cpu: CpuBusy; drainedMs: number; total: number }, placement: string): string {
  const f = (cores: number | undefined): string => (cores === undefined ? '?' : `${((cores * run.drainedMs * 1000) / run.total).toFixed(0)} µs`);
  const sides = placement === 'child' ? [`client ${f(run.cpu.bench)}`, `workers ${f(run.cpu.workers)}`] : [`client+worker ${f(run.cpu.bench)}`];
  const all = [run.cpu.bench, run.cpu.workers ?? 0, run.cpu.server];
  const total = all.some((v) => v === undefined) ? undefined : all.reduce<number>((sum, v) => sum + v!, 0);
  return [...sides, `server ${f(run.cpu.server)}`, `total ${f(total)}`].join(', ');
}

/** The run whose applied rate is the median one. */
function medianRun<T extends { signalsPerSecond: number }>(runs: readonly T[]): T {
  return [...runs].sort((a, b) => a.signalsPerSecond - b.signalsPerSecond)[Math.floor((runs.length - 1) / 2)]!;
}

function natsRows(r: BenchResults, n: NatsResults): string[][] {
  const s = r.settings.nats!;
  const ceiling = n.ceiling.publishesPerSecond.median;
  const target = TARGETS.natsSignalsRatioToPublishCeiling;
  const rows: string[][] = [
    ['', '', '', '', '', ''],
    [
      `NATS ceiling: js.publish, ${n.ceiling.messageBytes}-byte signals, msgID, ${formatInt(n.ceiling.maxInFlight)} in flight`,
      ...rate(n.ceiling.publishesPerSecond, 'msgs/s'),
      '1x',
      '',
      '',
    ],
    [`  same, on a noAsyncTraces connection`, ...rate(n.ceiling.noAsyncTracesPublishesPerSecond, 'msgs/s'), formatRatio(n.ceiling.noAsyncTracesPublishesPerSecond.median / ceiling), '', ''],
    [`  same messages, core publish + own PubAck inbox`, ...rate(n.ceiling.muxPublishesPerSecond, 'msgs/s'), formatRatio(n.ceiling.muxPublishesPerSecond.median / ceiling), '', ''],
  ];
  const medianCeiling = [...n.ceiling.runs].sort((a, b) => a.jsPublish.perSecond - b.jsPublish.perSecond)[Math.floor((n.ceiling.runs.length - 1) / 2)];
  if (medianCeiling) {
    const cpu = medianCeiling.jsPublish.cpu;
    rows.push([`  js.publish cores: publisher ${cpu.bench?.toFixed(2)}, server ${cpu.server?.toFixed(2)}, other ${cpu.other?.toFixed(2)}`, '', '', '', '', '']);
  }
  const signals = (what: string, t: NatsThroughputResult, placement: string): string[][] => {
    const m = medianRun(t.runs);
    return [
      [
        `  Signals: ${what}, applied`,
        ...rate(t.perSecond, 'signals/s'),
        `${formatRatio(t.ratioToCeiling)} (${formatRatio(t.ratioToMuxCeiling)})`,
        `>= ${(target * 100).toFixed(0)}% (${formatInt(target * ceiling)}/s)`,
        mark(t.pass),
      ],
      [`    (acknowledged by JetStream, same runs)`, ...rate(t.enqueuedPerSecond, 'signals/s'), formatRatio(t.enqueuedRatioToCeiling), '', ''],
      [`    (and removed from the work stream, same runs)`, ...rate(t.drainedPerSecond, 'signals/s'), formatRatio(t.drainedRatioToCeiling), '', ''],
      [
        `    median run: ${m.meanBatchSize.toFixed(1)} msgs/batch, ${m.duplicates} dup, ${m.fenced} fenced; ` +
          `${t.runs.filter((run) => (run.cpu.other ?? 0) >= DISTURBED_CORES).length} of ${t.runs.length} runs disturbed`,
        '',
        '',
        '',
        '',
        '',
      ],
      [`    cores: ${busy(m.cpu, placement)}`, '', '', '', '', ''],
      [`    CPU per signal: ${perSignal(m, placement)}`, '', '', '', '', ''],
    ];
  };
  for (const c of n.configurations) {
    rows.push([`NATS, ${configurationLabel(c)}: partitions ${c.partitionSpread}`, '', '', '', '', '']);
    rows.push(...signals(`${formatInt(s.manyKeys.total)} add(1) over ${formatInt(s.manyKeys.keys)} keys`, c.signalsManyKeys, c.placement));
    rows.push(...signals(`${formatInt(s.oneKey.total)} add(1) on 1 key`, c.signalsOneKey, c.placement));
    for (const [name, summary] of [
      ['increment', c.callLatencyMs.increment],
      ['get', c.callLatencyMs.get],
    ] as const) {
      rows.push([
        `  call.${name}() p50 / p99, ${formatInt(s.calls.count)} sequential`,
        latency(summary),
        `p90 ${formatMs(summary.p90)}, max ${formatMs(summary.max)}`,
        '',
        `p50 < ${TARGETS.natsCallP50Ms} ms`,
        mark(summary.pass),
      ]);
    }
  }
  return rows;
}
