/**
 * One chaos run: a nats-server and worker processes, a signal driver and a transfer
 * driver on a client-only connection, and the seeded nemesis breaking things for
 * `durationMs`; then everything is healed, the hub settles, and the checks run.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DurableClient } from '../../src/index';
import { Account } from '../../examples/bank-transfer';
import { ChaosCluster } from './chaos-cluster';
import { checkBank, checkSignals, checkTransfers } from './chaos-checks';
import { faultCounts, problemsOf, type ChaosReport } from './chaos-report';
import { Nemesis, type FaultKind } from './nemesis';
import { Prng } from './prng';
import { SignalDriver } from './signal-driver';
import { TransferDriver, hasEnded } from './transfer-driver';

export interface ChaosSettings {
  /** How long the nemesis injects faults. */
  readonly durationMs: number;
  /** Signals per second to aim for (0: as fast as `inFlight` allows). */
  readonly rate: number;
  /** Signals in flight. */
  readonly inFlight: number;
  /** Transfers in flight. */
  readonly transfers: number;
  readonly accounts: number;
  readonly workers: number;
  readonly leaseTimeMs: number;
  /** The longest wait, after healing, for the hub to go quiet before checking anyway. */
  readonly settleTimeoutMs: number;
  /** The nemesis's gap between two faults. */
  readonly minGapMs: number;
  readonly maxGapMs: number;
  /** The share of faults (after the first three) that kill nats-server; the rest are worker faults. */
  readonly serverKillShare: number;
}

export const DEFAULT_SETTINGS: ChaosSettings = {
  durationMs: 60_000,
  rate: 2_000,
  inFlight: 128,
  transfers: 16,
  accounts: 20,
  workers: 3,
  leaseTimeMs: 3_000,
  settleTimeoutMs: 20_000,
  minGapMs: 3_000,
  maxGapMs: 8_000,
  serverKillShare: 1 / 3,
};

export interface ChaosProgress {
  readonly elapsedMs: number;
  readonly acked: number;
  readonly rejected: number;
  /** Operations the workers applied (signals, account operations and orchestration events). */
  readonly applied: number;
  /** Recovery events the workers counted so far. */
  readonly stateRegressions: number;
  readonly faults: Record<FaultKind, number>;
  readonly transfersStarted: number;
  readonly transfersEnded: number;
}

export interface ChaosHooks {
  /** Lines worth showing while the run goes (faults, phases). */
  readonly log?: (line: string) => void;
  readonly onProgress?: (progress: ChaosProgress) => void;
  readonly progressEveryMs?: number;
}

const PARTITIONS = 32;
const OPENING_BALANCE = 10_000;
// Longer than a JetStream publish's own timeout: a call whose publish is still waiting when
// its reply timer fires leaves a rejection nobody handles.
const CALL_TIMEOUT_MS = 10_000;

export async function runChaos(seed: number, settings: ChaosSettings, hooks: ChaosHooks = {}): Promise<ChaosReport> {
  const log = hooks.log ?? (() => undefined);
  const began = Date.now();
  // A rejection nobody handles would end a plain Node process: record it as a failure instead.
  const unhandled: string[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
  };
  const cluster = await ChaosCluster.open({ hub: `chaos_${seed}`, workers: settings.workers, leaseTimeMs: settings.leaseTimeMs });
  process.on('unhandledRejection', onUnhandled);
  let client: DurableClient | undefined;
  try {
    await Promise.all(cluster.slots.map((slot) => cluster.startWorker(slot)));
    await waitUntil(
      () => cluster.coversPartitions(PARTITIONS),
      30_000,
      () => `the workers did not take all ${PARTITIONS} partitions: ${cluster.describeWorkers()}`,
    );
    client = await DurableClient.connect({ nats: cluster.server.url, hub: cluster.hub, logger: { level: 'silent' }, callTimeoutMs: CALL_TIMEOUT_MS });

    const accounts = Array.from({ length: settings.accounts }, (_, i) => `acct-${i + 1}`);
    await Promise.all(accounts.map((id) => client!.entity(Account, id).call.deposit(OPENING_BALANCE)));

    const signals = new SignalDriver(client, { rate: settings.rate, inFlight: settings.inFlight });
    const transfers = new TransferDriver(client, new Prng(seed ^ 0x5bd1e995), {
      inFlight: settings.transfers,
      accounts,
      prefix: `xfer-${seed}`,
      watchMs: 15_000,
    });
    const nemesis = new Nemesis(
      cluster,
      new Prng(seed),
      {
        minGapMs: settings.minGapMs,
        maxGapMs: settings.maxGapMs,
        leaseTimeMs: settings.leaseTimeMs,
        serverKillShare: settings.serverKillShare,
      },
      log,
    );

    const faultStart = Date.now();
    const progress = (): ChaosProgress => ({
      elapsedMs: Date.now() - faultStart,
      acked: signals.acked.size,
      rejected: signals.rejected.size,
      applied: cluster.applied(),
      stateRegressions: cluster.sumStat('stateRegressions'),
      faults: faultCounts(nemesis.faults),
      transfersStarted: transfers.started.size,
      transfersEnded: transfers.ended.size,
    });
    const ticker = hooks.onProgress ? setInterval(() => hooks.onProgress!(progress()), hooks.progressEveryMs ?? 5_000) : undefined;
    signals.start();
    transfers.start();
    nemesis.start();
    try {
      await delay(settings.durationMs);
      const faultMs = Date.now() - faultStart;
      log(`[chaos] faults over; stopping the drivers and healing (server up, every worker running)`);
      await Promise.all([nemesis.stop(), signals.stop(), transfers.stop()]);
      // A worker that cannot be brought back fails the run, but the checks still report what they find.
      const healError = await cluster.heal().then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      if (healError) log(`[chaos] healing failed: ${healError}`);
      log(`[chaos] healed and drivers stopped in ${((Date.now() - faultStart - faultMs) / 1000).toFixed(1)} s`);

      log(`[chaos] settling (at most ${settings.settleTimeoutMs / 1000} s)`);
      const settleStart = Date.now();
      const settled = await settle(cluster, client, signals, transfers, settings.settleTimeoutMs, log);
      const settleMs = Date.now() - settleStart;
      if (ticker) clearInterval(ticker);
      hooks.onProgress?.(progress());

      const checkStart = Date.now();
      const [signalVerdict, transferVerdict, bankVerdict] = await Promise.all([
        checkSignals(client, signals),
        checkTransfers(client, transfers),
        checkBank(client, accounts, OPENING_BALANCE * accounts.length),
      ]);
      log(`[chaos] checked in ${((Date.now() - checkStart) / 1000).toFixed(1)} s`);
      const incidents = [
        ...cluster.unexpectedExits().map((w) => `a worker died without being killed: ${w}`),
        ...nemesis.errors.map((e) => `the nemesis failed: ${e}`),
        ...(healError ? [`healing after the faults failed: ${healError}`] : []),
        ...(unhandled.length > 0 ? [`${unhandled.length} unhandled promise rejections in the driving process (first: ${unhandled[0]})`] : []),
      ];
      const workPending = settled ? undefined : await cluster.workPending(PARTITIONS).catch(() => -1);
      if (!settled) log(`[chaos] partitions with inputs left:\n${await cluster.describeWorkPending().catch((error: unknown) => String(error))}`);
      const haltedPartitions = cluster.haltedPartitions();
      const problems = problemsOf(signalVerdict, transferVerdict, bankVerdict, incidents, workPending);
      if (haltedPartitions.length > 0) problems.push(`partitions halted by the workers: ${haltedPartitions.join(', ')}`);
      if (problems.length > 0) log(`[chaos] worker warnings:\n${cluster.describeLogs()}`);
      return {
        seed,
        settings: { ...settings },
        faultMs,
        totalMs: Date.now() - began,
        settled,
        settleMs,
        faults: nemesis.faults,
        faultsSkipped: nemesis.skipped,
        stateRegressions: cluster.sumStat('stateRegressions'),
        haltedPartitions,
        signals: signalVerdict,
        transfers: transferVerdict,
        bank: bankVerdict,
        incidents,
        problems,
      };
    } finally {
      if (ticker) clearInterval(ticker);
      await nemesis.stop();
    }
  } finally {
    await client?.close().catch(() => undefined);
    await cluster.dispose();
    process.off('unhandledRejection', onUnhandled);
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(explain());
    await delay(100);
  }
}

/**
 * Waits until the hub is quiet: the work stream empty, every acknowledged signal visible
 * in the tallies and every started transfer ended. Returns whether it got there in time.
 */
async function settle(
  cluster: ChaosCluster,
  client: DurableClient,
  signals: SignalDriver,
  transfers: TransferDriver,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const open = new Set([...transfers.started].filter((id) => !transfers.ended.has(id)));
  let nextLog = Date.now() + 5_000;
  for (;;) {
    try {
      const pending = await cluster.workPending(PARTITIONS);
      if (Date.now() > nextLog) {
        log(`[chaos] settling: ${pending} inputs not acknowledged, ${open.size} transfers not seen ended`);
        nextLog += 5_000;
      }
      if (pending === 0) {
        for (const id of [...open]) {
          const status = await client.getStatus(id, { showInput: false });
          if (status && hasEnded(status.runtimeStatus)) open.delete(id);
        }
        if (open.size === 0 && (await checkSignals(client, signals, false)).lost.length === 0 && (await cluster.workPending(PARTITIONS)) === 0) return true;
      }
    } catch {
      // The server may still be coming back.
    }
    if (Date.now() > deadline) return false;
    await delay(500);
  }
}
