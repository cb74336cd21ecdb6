/**
 * What a chaos run found: the verdicts of the final checks, the faults injected, and the
 * problems they add up to; formatted as a table, a failure summary, or JSON.
 */
import type { BankVerdict, SignalVerdict, TransferVerdict } from './chaos-checks';
import type { Fault, FaultKind } from './nemesis';

export interface ChaosReport {
  readonly seed: number;
  readonly settings: Readonly<Record<string, number>>;
  /** How long faults were injected, and the whole run, in ms. */
  readonly faultMs: number;
  readonly totalMs: number;
  /** Whether the hub went quiet (work stream empty, every acknowledged signal and started transfer visible) before the settle timeout. */
  readonly settled: boolean;
  readonly settleMs: number;
  readonly faults: readonly Fault[];
  /** Worker faults drawn while every worker was already down or restarting. */
  readonly faultsSkipped: number;
  /** Recovery events the workers counted (`stats().stateRegressions`, where the engine has it) and partitions they halted. */
  readonly stateRegressions: number;
  readonly haltedPartitions: readonly number[];
  readonly signals: SignalVerdict;
  readonly transfers: TransferVerdict;
  readonly bank: BankVerdict;
  /** Worker processes that died without being killed, and nemesis actions that failed. */
  readonly incidents: readonly string[];
  /** Empty when the run passed. */
  readonly problems: readonly string[];
}

export function faultCounts(faults: readonly Fault[]): Record<FaultKind, number> {
  const counts: Record<FaultKind, number> = { workerKill: 0, workerStop: 0, serverKill: 0 };
  for (const fault of faults) counts[fault.kind]++;
  return counts;
}

function sample(items: readonly (number | string)[], n = 10): string {
  return `${items.slice(0, n).join(', ')}${items.length > n ? ', ...' : ''}`;
}

/** Every broken guarantee, one line each; `workPending` is the inputs the partitions had not acknowledged when the hub did not settle. */
export function problemsOf(
  signals: SignalVerdict,
  transfers: TransferVerdict,
  bank: BankVerdict,
  incidents: readonly string[],
  workPending: number | undefined,
): string[] {
  const problems: string[] = [];
  if (workPending !== undefined) {
    const left = Number.isFinite(workPending) ? `${workPending} inputs not yet acknowledged by the partitions` : 'a partition without a consumer';
    problems.push(`the hub did not settle: ${left}, or acknowledged work not visible`);
  }
  if (signals.lost.length > 0) {
    const entities = [...signals.lostByEntity].sort((a, b) => b[1] - a[1]);
    // While messages wait in the work stream, a missing id may still be on its way rather than lost.
    const what = workPending ? 'are missing (lost, or still unapplied in a stuck partition)' : 'were lost';
    problems.push(
      `${signals.lost.length} of ${signals.acked} acknowledged signals ${what} (ids ${sample(signals.lost)}) on ${entities.length} entities (${sample(
        entities.map(([key, n]) => `${key}:${n}`),
        8,
      )}); the owning workers lack ${signals.lostPerOwner} of them too${signals.lostUnanswered > 0 ? ` (${signals.lostUnanswered} entities did not answer)` : ''}`,
    );
  }
  if (signals.duplicated.length > 0) problems.push(`${signals.duplicated.length} signals were applied more than once (ids ${sample(signals.duplicated)})`);
  if (signals.foreign.length > 0) problems.push(`${signals.foreign.length} recorded ids were never sent to that entity (${sample(signals.foreign)})`);
  if (transfers.stuck.length > 0) problems.push(`${transfers.stuck.length} transfers never ended (${sample(transfers.stuck, 5)})`);
  if (transfers.missing.length > 0)
    problems.push(`${transfers.missing.length} acknowledged transfer starts have no instance (${sample(transfers.missing, 5)})`);
  if (transfers.failed.length > 0) problems.push(`${transfers.failed.length} transfers ended without completing (${sample(transfers.failed, 3)})`);
  if (transfers.unreadable.length > 0) problems.push(`${transfers.unreadable.length} transfer statuses could not be read (${sample(transfers.unreadable, 5)})`);
  if (bank.total !== bank.expectedTotal)
    problems.push(
      `the bank holds ${bank.total}, expected ${bank.expectedTotal} (${bank.total - bank.expectedTotal > 0 ? '+' : ''}${bank.total - bank.expectedTotal})`,
    );
  if (bank.negative.length > 0) problems.push(`negative balances: ${sample(bank.negative)}`);
  if (bank.unanswered.length > 0) problems.push(`${bank.unanswered.length} accounts do not answer calls (left locked?): ${sample(bank.unanswered)}`);
  for (const incident of incidents) problems.push(incident);
  return problems;
}

/** The end-of-run table. */
export function formatReport(report: ChaosReport): string {
  const f = faultCounts(report.faults);
  const s = report.signals;
  const t = report.transfers;
  const b = report.bank;
  const rows: [string, string][] = [
    ['seed', `${report.seed}  (replay: CHAOS_SEED=${report.seed})`],
    [
      'settings',
      Object.entries(report.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ],
    [
      'faults',
      `${report.faults.length} in ${(report.faultMs / 1000).toFixed(0)} s: ${f.workerKill} worker SIGKILL, ${f.workerStop} worker SIGSTOP, ${f.serverKill} nats-server SIGKILL${report.faultsSkipped ? ` (${report.faultsSkipped} worker faults skipped: no worker running)` : ''}`,
    ],
    [
      'recovery',
      `${report.stateRegressions} state regressions detected and repaired by the workers; ${report.haltedPartitions.length} partitions halted${report.haltedPartitions.length ? ` (${report.haltedPartitions.join(', ')})` : ''}`,
    ],
    [
      'duration',
      `${(report.totalMs / 1000).toFixed(1)} s in all; settled ${report.settled ? `in ${(report.settleMs / 1000).toFixed(1)} s` : `NO (gave up after ${(report.settleMs / 1000).toFixed(1)} s)`}`,
    ],
    [
      'signals',
      `${s.sent} sent, ${s.acked} acknowledged (${Math.round(s.acked / (report.faultMs / 1000))}/s), ${s.rejected} rejected (${s.rejectedApplied} of them applied)`,
    ],
    ['exactly-once', `${s.applied} applied; ${s.lost.length} acknowledged lost, ${s.duplicated.length} applied twice, ${s.foreign.length} foreign`],
    [
      'transfers',
      `${t.started} started (${t.attempted} attempted): ${t.transferred} transferred, ${t.refused} refused, ${t.failed.length} failed, ${t.stuck.length} stuck, ${t.missing.length} missing`,
    ],
    ['bank', `total ${b.total} of ${b.expectedTotal} over ${b.accounts} accounts; ${b.negative.length} negative, ${b.unanswered.length} not answering`],
    ['verdict', report.problems.length === 0 ? 'PASS' : `FAIL (${report.problems.length} problems)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** The message of a failed run: the seed first, then what broke. */
export function failureSummary(report: ChaosReport): string {
  return [`chaos run with seed ${report.seed} failed (replay: CHAOS_SEED=${report.seed}):`, ...report.problems.map((p) => `- ${p}`), formatReport(report)].join(
    '\n',
  );
}

/** The report as plain JSON (maps as objects, long id lists cut). */
export function reportJson(report: ChaosReport): unknown {
  return {
    ...report,
    faultCounts: faultCounts(report.faults),
    signals: {
      ...report.signals,
      lost: report.signals.lost.length,
      lostSample: report.signals.lost.slice(0, 50),
      duplicated: report.signals.duplicated.length,
      duplicatedSample: report.signals.duplicated.slice(0, 50),
      lostByEntity: Object.fromEntries(report.signals.lostByEntity),
    },
  };
}
