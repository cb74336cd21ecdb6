import type { CallLatencyResult } from './suites/call-latency';
import type { CpuBusy } from './lib/cpu-usage';
import { configurationLabel, type NatsResults, type NatsThroughputResult } from './suites/nats-bench';
import type { MachineInfo } from './lib/machine-info';
import type { EmbeddedOrchestrationResults, NatsOrchestrationResults, OrchestrationThroughput } from './suites/orchestration-bench';
import type { BenchSettings } from './lib/settings';
import { TARGETS } from './lib/settings';
import { spreadOf, type LatencySummary, type Spread } from './lib/stats';
import { formatInt, formatMs, formatRatio, formatSpread, renderTable } from './lib/table';

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
  /** Orchestrations on the embedded engine. */
  readonly orchestrations: EmbeddedOrchestrationResults;
  /** Orchestrations on NATS JetStream; absent with `--no-nats`. */
  readonly natsOrchestrations?: NatsOrchestrationResults;
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
    `Orchestrations: activities do trivial work, so the figures are the runtime's cost; HelloSequence runs from the first startNew to the last result(), a fan-out/fan-in from its startNew to its result(); ` +
      `each embedded run in a fresh data directory; replay times are OrchestrationExecutor.restore (full replay: what an instance costs after eviction or a restart) ` +
      `and advance (a live instance, kept in memory between turns)`,
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
    [
      'Ceiling: single-record sync write p50 / p99',
      latency(r.ceiling.syncWriteLatencyMs),
      `${formatInt(r.ceiling.syncWriteLatencyMs.count)} writes`,
      '',
      '',
      '',
    ],
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
  rows.push(...orchestrationRows(r));
  if (r.nats) {
    header.push(...natsHeader(r));
    rows.push(...natsRows(r, r.nats));
  }
  if (r.natsOrchestrations) {
    header.push(
      `NATS orchestrations: a nats-server of their own started by the benchmark, a fresh hub whose worker child process(es) host the orchestrators and activities ` +
        `(DurableApp, default settings); instances started from a client-only DurableClient.connect in this process; medians of ${r.settings.repetitions} runs on that hub`,
    );
    rows.push(...natsOrchestrationRows(r, r.natsOrchestrations));
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
    [
      `  same, on a noAsyncTraces connection`,
      ...rate(n.ceiling.noAsyncTracesPublishesPerSecond, 'msgs/s'),
      formatRatio(n.ceiling.noAsyncTracesPublishesPerSecond.median / ceiling),
      '',
      '',
    ],
    [
      `  same messages, core publish + own PubAck inbox`,
      ...rate(n.ceiling.muxPublishesPerSecond, 'msgs/s'),
      formatRatio(n.ceiling.muxPublishesPerSecond.median / ceiling),
      '',
      '',
    ],
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

/** Long error messages are cut to keep the table readable (the whole text is in the JSON results). */
function shortError(message: string): string {
  const line = message.split('\n', 1)[0]!;
  return line.length > 110 ? `${line.slice(0, 107)}...` : line;
}

/** The rows of one orchestration throughput scenario: its rate, or its failure. */
function orchestrationThroughputRows<S>(what: string, t: OrchestrationThroughput<S>, unit: string, extra: (median: S) => string[][]): string[][] {
  const target = `>= ${formatInt(t.target)}/s`;
  const rows: string[][] = [];
  if (t.perSecond) rows.push([what, ...rate(t.perSecond, unit), '', target, mark(t.pass)]);
  else rows.push([what, 'no result', '', '', target, 'FAIL']);
  if (t.error) rows.push([`    FAILED${t.perSecond ? ` after ${t.runs.length} run(s)` : ''}: ${shortError(t.error)}`, '', '', '', '', '']);
  if (t.perSecond && t.runs.length > 0) {
    const samples = t.perSecond.samples;
    const sorted = [...samples].sort((a, b) => a - b);
    const median = t.runs[samples.indexOf(sorted[Math.floor((sorted.length - 1) / 2)]!)]!;
    rows.push(...extra(median));
  }
  return rows;
}

function orchestrationRows(r: BenchResults): string[][] {
  const s = r.settings.orchestrations;
  const o = r.orchestrations;
  const p = r.settings.replay;
  const rows: string[][] = [
    ['', '', '', '', '', ''],
    ...orchestrationThroughputRows(
      `Orchestrations: ${formatInt(s.helloSequence.instances)} HelloSequence (5 activities each), ${formatInt(s.helloSequence.maxInFlight)} in flight`,
      o.helloSequence,
      'orch/s',
      () => [[`  (the same runs, in activities)`, ...rate(spreadOf(o.helloSequence.runs.map((run) => run.activitiesPerSecond)), 'activities/s'), '', '', '']],
    ),
    ...orchestrationThroughputRows(`Orchestrations: 1 fan-out/fan-in of ${formatInt(s.fanOut.activities)} activities`, o.fanOut, 'activities/s', () => []),
  ];
  const replay = o.replay;
  const h = replay.history;
  const source = h.source === 'engine' ? 'read from the embedded engine' : `built by driving the executor alone in ${formatMs(h.buildMs)} ms (no storage)`;
  rows.push([
    `Replay: restore (full replay) of a ${formatInt(h.events)}-event history`,
    replay.restoreMs ? `${formatMs(replay.restoreMs.median)} ms` : 'no result',
    replay.restoreMs ? `${formatMs(replay.restoreMs.min)}..${formatMs(replay.restoreMs.max)} (${replay.restoreMs.samples.length} runs)` : '',
    '',
    '',
    replay.restoreMs ? '' : 'FAIL',
  ]);
  rows.push([`  (history: ${formatInt(h.steps)} sequential activities, ${formatInt(h.bytes / 1024)} KiB as JSON, ${source})`, '', '', '', '', '']);
  if (replay.liveTurnMs) {
    rows.push([
      `  live instance: advance by 1 event, p50 / p99 of ${formatInt(replay.liveTurnMs.count)}`,
      latency(replay.liveTurnMs),
      `max ${formatMs(replay.liveTurnMs.max)}`,
      '',
      '',
      '',
    ]);
  }
  if (replay.error) rows.push([`    FAILED: ${shortError(replay.error)}`, '', '', '', '', '']);
  const e = replay.engine;
  if (e) {
    if (e.events > 0) {
      rows.push([
        `  engine: a chain of ${formatInt(e.steps)} sequential activities (${formatInt(e.events)} events, ${formatInt(e.bytes / 1024)} KiB)`,
        `${formatInt(e.buildMs)} ms`,
        `${formatInt(e.steps / (e.buildMs / 1000))} activities/s`,
        '',
        '',
        '',
      ]);
    }
    if (e.liveCallMs) {
      rows.push([
        `  engine: raiseEvent on it while live (cached), p50 / p99 of ${formatInt(e.liveCallMs.count)}`,
        latency(e.liveCallMs),
        `max ${formatMs(e.liveCallMs.max)}`,
        '',
        '',
        '',
      ]);
    }
    if (e.afterRestartCallMs) {
      rows.push([
        `  engine: raiseEvent on it, first after an app restart (replays), median of ${p.restarts}`,
        `${formatMs(e.afterRestartCallMs.median)} ms`,
        `${formatMs(e.afterRestartCallMs.min)}..${formatMs(e.afterRestartCallMs.max)}`,
        '',
        '',
        '',
      ]);
    }
    if (e.error) rows.push([`    engine part FAILED: ${shortError(e.error)}`, '', '', '', '', '']);
  }
  return rows;
}

function natsOrchestrationRows(r: BenchResults, n: NatsOrchestrationResults): string[][] {
  const s = r.settings.nats!.orchestrations;
  const cores = (cpu: CpuBusy | undefined): string[][] => (cpu ? [[`    cores (median run): ${busy(cpu, 'child')}`, '', '', '', '', '']] : []);
  const rows: string[][] = [
    ['', '', '', '', '', ''],
    [
      `NATS orchestrations, ${configurationLabel({ workers: n.workers, placement: 'child' })}: ${n.partitionSpread ? `partitions ${n.partitionSpread}` : 'not started'}`,
      '',
      '',
      '',
      '',
      '',
    ],
  ];
  if (n.error) rows.push([`  FAILED: ${shortError(n.error)}`, '', '', '', '', '']);
  rows.push(
    ...orchestrationThroughputRows(
      `  Orchestrations: ${formatInt(s.helloSequence.instances)} HelloSequence (5 activities each), ${formatInt(s.helloSequence.maxInFlight)} in flight`,
      n.helloSequence,
      'orch/s',
      (m) => [
        [`    (the same runs, in activities)`, ...rate(spreadOf(n.helloSequence.runs.map((run) => run.activitiesPerSecond)), 'activities/s'), '', '', ''],
        ...cores(m.cpu),
      ],
    ),
    ...orchestrationThroughputRows(`  Orchestrations: 1 fan-out/fan-in of ${formatInt(s.fanOut.activities)} activities`, n.fanOut, 'activities/s', (m) =>
      cores(m.cpu),
    ),
  );
  return rows;
}
