import { pino } from 'pino';
import type { DurableClient, HistoryEvent, OrchestrationStatus } from '../../src/index';
import { executionStarted, OrchestrationExecutor, Registry } from '../../src/internal';
import { sendBounded } from '../lib/bounded-producer';
import { BENCH_ACTIVITIES, BENCH_ORCHESTRATORS, HELLO_CITIES, longChainHistoryLength, type LongChainStatus } from '../fixtures/orchestration-fixtures';
import { nowMs, spreadOf, summarizeLatencies, type LatencySummary, type Spread } from '../lib/stats';
import { withTimeout } from '../lib/timeout';

/**
 * Orchestration scenarios, run the same way on both engines through a `DurableClient`
 * (an app's own client, or a client-only connection to a NATS hub). Orchestrators are
 * addressed by name, so a client-only connection needs no classes.
 */

export interface HelloSequenceSettings {
  /** HelloSequence instances started (5 activities each). */
  readonly instances: number;
  /** Most instances between their start and their completion at once. */
  readonly maxInFlight: number;
  readonly timeoutMs: number;
}

export interface HelloSequenceSample {
  readonly instances: number;
  /** Instances completed per second, from the first start to the last completion. */
  readonly orchestrationsPerSecond: number;
  /** The same, counted in activities (5 per instance). */
  readonly activitiesPerSecond: number;
  readonly elapsedMs: number;
}

export interface FanOutSettings {
  /** Activities of the one fan-out/fan-in instance. */
  readonly activities: number;
  readonly timeoutMs: number;
}

export interface FanOutSample {
  readonly activities: number;
  /** Activities per second, from the start call until `result()` returned. */
  readonly activitiesPerSecond: number;
  readonly elapsedMs: number;
}

let runs = 0;
const expectedHello = HELLO_CITIES.map((city) => `Hello ${city}!`);

/**
 * Starts `instances` HelloSequence instances, keeping at most `maxInFlight` between their
 * `startNew` and the return of their `result()`, and checks every output.
 */
export async function measureHelloSequence(client: DurableClient, settings: HelloSequenceSettings): Promise<HelloSequenceSample> {
  const run = ++runs;
  const wrong: string[] = [];
  const start = nowMs();
  const work = sendBounded(settings.instances, settings.maxInFlight, async (i) => {
    const handle = await client.startNew<string[], string[]>('HelloSequence', [...HELLO_CITIES], { instanceId: `hello-${process.pid}-${run}-${i}` });
    const output = await handle.result();
    if (JSON.stringify(output) !== JSON.stringify(expectedHello)) wrong.push(`${handle.instanceId}: ${JSON.stringify(output)}`);
  });
  await withTimeout(work, settings.timeoutMs, `${settings.instances} HelloSequence orchestrations`);
  const elapsedMs = nowMs() - start;
  if (wrong.length > 0) throw new Error(`Correctness check failed: ${wrong.length} HelloSequence instance(s) returned a wrong output, e.g. ${wrong[0]}.`);
  return {
    instances: settings.instances,
    orchestrationsPerSecond: settings.instances / (elapsedMs / 1000),
    activitiesPerSecond: (settings.instances * HELLO_CITIES.length) / (elapsedMs / 1000),
    elapsedMs,
  };
}

/** One FanOutFanIn instance of `activities` activities, from its start to its result (checked). */
export async function measureFanOut(client: DurableClient, settings: FanOutSettings): Promise<FanOutSample> {
  const run = ++runs;
  const n = settings.activities;
  const start = nowMs();
  const work = async (): Promise<{ count: number; sum: number }> => {
    const handle = await client.startNew<number, { count: number; sum: number }>('FanOutFanIn', n, { instanceId: `fan-${process.pid}-${run}` });
    return handle.result();
  };
  const output = await withTimeout(work(), settings.timeoutMs, `fan-out/fan-in of ${n} activities`);
  const elapsedMs = nowMs() - start;
  // sum of 2i for i < n
  if (output.count !== n || output.sum !== n * (n - 1)) throw new Error(`Correctness check failed: fan-out/fan-in of ${n} returned ${JSON.stringify(output)}.`);
  return { activities: n, activitiesPerSecond: n / (elapsedMs / 1000), elapsedMs };
}

export interface LongHistory {
  readonly instanceId: string;
  readonly steps: number;
  readonly history: readonly HistoryEvent[];
  /** From the start call until the stored status showed the chain done. */
  readonly buildMs: number;
  /** Size of the stored history as JSON. */
  readonly historyBytes: number;
}

/**
 * Runs a LongChain of `steps` sequential activities on the engine and reads its stored
 * history (`getStatus(id, { showHistory: true })`) once it waits for its first tick.
 */
export async function buildLongHistory(client: DurableClient, steps: number, timeoutMs: number): Promise<LongHistory> {
  const instanceId = `chain-${process.pid}-${++runs}`;
  const start = nowMs();
  await client.startNew<number, number>('LongChain', steps, { instanceId });
  const done = async (): Promise<OrchestrationStatus> => {
    for (;;) {
      const status = await client.getStatus(instanceId);
      if (!status) throw new Error(`LongChain instance '${instanceId}' disappeared`);
      if (status.runtimeStatus !== 'Running' && status.runtimeStatus !== 'Pending') {
        throw new Error(`LongChain instance '${instanceId}' ended as ${status.runtimeStatus}: ${JSON.stringify(status.failureDetails ?? status.output)}`);
      }
      if ((status.customStatus as LongChainStatus | undefined)?.chained === steps) return status;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await withTimeout(done(), timeoutMs, `a chain of ${steps} activities`);
  const buildMs = nowMs() - start;
  const status = await client.getStatus(instanceId, { showHistory: true });
  const history = status?.history;
  if (!history) throw new Error(`LongChain instance '${instanceId}': no stored history`);
  const expected = longChainHistoryLength(steps);
  if (history.length !== expected) throw new Error(`LongChain instance '${instanceId}': ${history.length} history events, expected ${expected}`);
  return { instanceId, steps, history, buildMs, historyBytes: Buffer.byteLength(JSON.stringify(history)) };
}

export interface ReplaySample {
  readonly events: number;
  /** `OrchestrationExecutor.restore` of the whole history (full replay), one value per repetition, ms. */
  readonly restoreMs: Spread;
  /** `advance` of the live (restored) instance by one arriving event ('Tick'), ms per turn. */
  readonly liveTurnMs: LatencySummary;
}

export interface ReplayTimingSettings {
  readonly restores: number;
  readonly liveTurns: number;
}

/**
 * Times the executor on a stored history, as the orchestration host uses it: a full
 * replay (`restore`), what an instance costs after eviction or a restart, and one turn of
 * a live instance (`advance` by one event), what every event costs while it stays in memory.
 * The first restore warms up and is not counted.
 */
export async function measureReplay(history: LongHistory, settings: ReplayTimingSettings): Promise<ReplaySample> {
  const registry = Registry.create({ orchestrators: BENCH_ORCHESTRATORS, activities: BENCH_ACTIVITIES });
  const executor = new OrchestrationExecutor({ registry, logger: pino({ level: 'silent' }) });
  const restoreOnce = async () => {
    const began = nowMs();
    const live = await executor.restore(history.instanceId, history.history);
    const ms = nowMs() - began;
    if (live.pendingFailure) throw new Error(`Replay of ${history.history.length} events failed: ${String(live.pendingFailure)}`);
    return { live, ms };
  };
  const { live } = await restoreOnce();
  const restores: number[] = [];
  for (let i = 0; i < settings.restores; i++) restores.push((await restoreOnce()).ms);

  const turns: number[] = [];
  let now = Date.now();
  for (let i = 0; i < settings.liveTurns; i++) {
    const began = nowMs();
    const turn = await executor.advance(live, [{ kind: 'EventRaised', name: 'Tick', input: i }], ++now);
    turns.push(nowMs() - began);
    if (turn.status !== 'Running' || turn.newHistory.length !== 2) {
      throw new Error(`Live turn ${i}: status ${turn.status}, ${turn.newHistory.length} new events (expected Running, 2)`);
    }
  }
  return { events: history.history.length, restoreMs: spreadOf(restores), liveTurnMs: summarizeLatencies(turns) };
}

/**
 * The same LongChain history built without an engine: the executor is driven turn by turn
 * and every scheduled `step(n)` is answered with `n + 1`, as the activity would. Used by
 * the quick run, where running 3,333 activities through storage would take too long.
 */
export async function driveLongHistory(steps: number): Promise<LongHistory> {
  const registry = Registry.create({ orchestrators: BENCH_ORCHESTRATORS, activities: BENCH_ACTIVITIES });
  const executor = new OrchestrationExecutor({ registry, logger: pino({ level: 'silent' }) });
  const instanceId = `chain-driven-${process.pid}-${++runs}`;
  const start = nowMs();
  const live = await executor.restore(instanceId, []);
  let now = Date.now();
  let turn = await executor.advance(live, [executionStarted({ name: 'LongChain', input: steps })], ++now);
  for (;;) {
    const action = turn.actions.find((a) => a.kind === 'scheduleActivity');
    if (!action || action.kind !== 'scheduleActivity') break;
    turn = await executor.advance(
      live,
      [{ kind: 'TaskCompleted', seq: action.step, executionId: action.executionId, result: (action.input as number) + 1 }],
      ++now,
    );
  }
  const buildMs = nowMs() - start;
  const history = [...live.history];
  const expected = longChainHistoryLength(steps);
  if (history.length !== expected || (turn.customStatus as LongChainStatus | undefined)?.chained !== steps) {
    throw new Error(
      `Driven LongChain: ${history.length} history events (expected ${expected}), status ${turn.status}, custom status ${JSON.stringify(turn.customStatus)}`,
    );
  }
  return { instanceId, steps, history, buildMs, historyBytes: Buffer.byteLength(JSON.stringify(history)) };
}
