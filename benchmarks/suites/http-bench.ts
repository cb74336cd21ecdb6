import type { BenchArgs } from '../lib/bench-args';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import Fastify from 'fastify';
import { DurableApp, DURABLE_TASK_WEBHOOK_PATH, serveHttp, type DurableClient } from '../../src/index';
import { Counter } from '../fixtures/counter.entity';
import { HttpBenchGreeter, HttpBenchHello } from '../fixtures/http-bench-fixtures';
import { mainThreadCpuSeconds } from '../lib/cpu-usage';
import { runHttpLoad, type HttpLoadInput } from '../lib/http-load';
import { nowMs, summarizeLatencies, type LatencySummary } from '../lib/stats';
import { formatInt, formatMs, renderTable } from '../lib/table';
import { withTempDir } from '../lib/temp-dir';
import { withTimeout } from '../lib/timeout';

/** Sizes of the HTTP API scenarios (embedded engine). */
export interface HttpBenchSettings {
  /**
   * Signals spread over `keys` counters with `concurrency` in flight: over HTTP (as many
   * keep-alive connections) for `httpSeconds` after `warmupSeconds`, and in-process,
   * `inProcessTotal` after `inProcessWarmup`.
   */
  readonly signals: {
    readonly keys: number;
    readonly concurrency: number;
    readonly httpSeconds: number;
    readonly warmupSeconds: number;
    readonly inProcessTotal: number;
    readonly inProcessWarmup: number;
  };
  /** One-activity orchestrations started and waited for one after another. */
  readonly startPoll: { readonly count: number; readonly warmup: number };
}

export const HTTP_FULL: HttpBenchSettings = {
  signals: { keys: 1000, concurrency: 64, httpSeconds: 10, warmupSeconds: 2, inProcessTotal: 100_000, inProcessWarmup: 10_000 },
  startPoll: { count: 300, warmup: 30 },
};
export const HTTP_QUICK: HttpBenchSettings = {
  signals: { keys: 1000, concurrency: 64, httpSeconds: 3, warmupSeconds: 1, inProcessTotal: 20_000, inProcessWarmup: 5_000 },
  startPoll: { count: 100, warmup: 20 },
};

/** Target of the HTTP signal rate on the embedded engine. */
export const HTTP_SIGNALS_TARGET = 10_000;

export interface HttpBenchResults {
  readonly settings: HttpBenchSettings;
  /** Signals accepted per second (`202`, durably enqueued): over HTTP, and with `signalEntity` in-process at the same concurrency. */
  readonly signalsPerSecond: { readonly http: number; readonly inProcess: number; readonly target: number; readonly pass: boolean };
  /** Latency of the HTTP signals (request sent until `202` read), in milliseconds. */
  readonly httpSignalLatencyMs: { readonly p50: number; readonly p99: number };
  /**
   * CPU time per signal, in microseconds: the server's process (HTTP server, engine,
   * LevelDB's threads; the load generator runs in a process of its own, except in-process),
   * and its main thread alone (absent where /proc is not available). The server's rate is
   * bounded by one core over the main thread's share.
   */
  readonly cpuMicrosPerSignal: { readonly http: CpuShare; readonly inProcess: CpuShare; readonly emptyRoute: CpuShare };
  /** Requests per second to a bare fastify route that answers `202` at once, with the same load: the machine's HTTP ceiling at the time. */
  readonly emptyRoutePerSecond: number;
  /** Start of a one-activity orchestration until its completed status is read: HTTP start then polling the status URL, and in-process startNew then waitForCompletion. */
  readonly startPollMs: { readonly http: LatencySummary; readonly inProcess: LatencySummary };
}

type Progress = (text: string) => void;

/** CPU per request of a run, in microseconds. */
export interface CpuShare {
  readonly process: number;
  readonly mainThread?: number;
}

/** A measured run: requests per second and the CPU each one took. */
interface Measured {
  readonly count: number;
  readonly perSecond: number;
  readonly cpu: CpuShare;
}

/**
 * Runs `work` (which handles some requests and returns how many, and in how many
 * milliseconds, with anything else it measured) and accounts for its CPU.
 */
async function measured<R extends { count: number; elapsedMs: number }>(work: () => Promise<R>): Promise<Measured & R> {
  const processBefore = process.cpuUsage();
  const mainBefore = mainThreadCpuSeconds();
  const result = await work();
  const { count, elapsedMs } = result;
  const used = process.cpuUsage(processBefore);
  const mainAfter = mainThreadCpuSeconds();
  const mainThread = mainBefore === undefined || mainAfter === undefined ? undefined : ((mainAfter - mainBefore) * 1e6) / count;
  return {
    ...result,
    perSecond: count / (elapsedMs / 1000),
    cpu: { process: (used.user + used.system) / count, ...(mainThread === undefined ? {} : { mainThread }) },
  };
}

/** The load of a run but its length. */
type LoadShape = Omit<HttpLoadInput, 'durationSeconds'>;

/** `seconds` of load; every answer must be `2xx`. */
async function httpLoad(shape: LoadShape, seconds: number): Promise<{ count: number; elapsedMs: number; latencyMs: { p50: number; p99: number } }> {
  const result = await runHttpLoad({ ...shape, durationSeconds: seconds });
  if (result.failedStatuses > 0 || result.socketErrors > 0) {
    throw new Error(`HTTP load on ${shape.path}: ${result.failedStatuses} answers with an error status, ${result.socketErrors} socket errors`);
  }
  return { count: result.requests, elapsedMs: result.elapsedMs, latencyMs: result.latencyMs };
}

/** The sum of all counters. A call runs after the signals stored before it, so every answered signal is counted. */
async function counterTotal(client: DurableClient, keys: number): Promise<number> {
  const values = await Promise.all(Array.from({ length: keys }, (_unused, key) => client.callEntity<number>({ name: 'Counter', key: `k${key}` }, 'get')));
  return values.reduce((sum, value) => sum + value, 0);
}

/**
 * Signals (`add 1`) over HTTP for `seconds`. The counters must then have grown by the
 * answered signals, plus at most one per connection: those in flight when the load stopped.
 */
async function httpSignals(client: DurableClient, shape: LoadShape, seconds: number): Promise<Measured & { latencyMs: { p50: number; p99: number } }> {
  const before = await counterTotal(client, shape.keys);
  const run = await measured(() => httpLoad(shape, seconds));
  const applied = (await counterTotal(client, shape.keys)) - before;
  if (applied < run.count || applied > run.count + shape.connections) {
    throw new Error(`${run.count} signals were answered 202 but the counters grew by ${applied}`);
  }
  return run;
}

/** The same load on a bare fastify route that answers at once: what HTTP alone costs on this machine now. */
async function httpCeiling(shape: LoadShape, seconds: number): Promise<Measured> {
  const server = Fastify();
  server.post('/empty/:key', async (_request, reply) => reply.code(202).send());
  const origin = await server.listen({ port: 0, host: '127.0.0.1' });
  try {
    return await measured(() => httpLoad({ ...shape, origin, path: '/empty/k{key}' }, seconds));
  } finally {
    await server.close();
  }
}

function inProcessSignals(client: DurableClient, settings: HttpBenchSettings['signals'], total: number): Promise<Measured> {
  return measured(async () => {
    let next = 0;
    const began = nowMs();
    const lane = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        await client.signalEntity({ name: 'Counter', key: `k${i % settings.keys}` }, 'add', 1);
      }
    };
    await Promise.all(Array.from({ length: settings.concurrency }, lane));
    return { count: total, elapsedMs: nowMs() - began };
  });
}

async function httpStartPoll(api: string, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const began = nowMs();
    const started = await fetch(`${api}/orchestrators/HttpBenchHello`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(`city-${i}`),
    });
    if (started.status !== 202) throw new Error(`start answered ${started.status}: ${await started.text()}`);
    const location = started.headers.get('location')!;
    await started.body?.cancel();
    for (;;) {
      const status = await fetch(location);
      const body = (await status.json()) as { runtimeStatus: string };
      if (status.status === 200 && body.runtimeStatus === 'Completed') break;
      if (status.status !== 202) throw new Error(`status answered ${status.status}: ${JSON.stringify(body)}`);
    }
    latencies.push(nowMs() - began);
  }
  return latencies;
}

async function inProcessStartWait(client: DurableClient, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const began = nowMs();
    const handle = await client.startNew(HttpBenchHello, `city-${i}`);
    const status = await handle.waitForCompletion({ timeout: 30_000 });
    if (status.runtimeStatus !== 'Completed') throw new Error(`instance ended ${status.runtimeStatus}`);
    latencies.push(nowMs() - began);
  }
  return latencies;
}

/**
 * The HTTP API on the embedded engine: signals per second over HTTP (keep-alive, load from
 * wrk) next to `signalEntity` in-process, and start-and-poll latency of a
 * one-activity orchestration next to `startNew` + `waitForCompletion` in-process.
 */
export async function runHttpBench(settings: HttpBenchSettings, timeoutMs: number, progress: Progress): Promise<HttpBenchResults> {
  return withTempDir('http', async (dataDir) => {
    const app = await DurableApp.create({
      entities: [Counter],
      orchestrators: [HttpBenchHello],
      activities: [HttpBenchGreeter],
      dataDir,
      logger: { level: 'silent' },
    });
    await app.start();
    const http = await serveHttp(app.client, { port: 0 });
    try {
      const s = settings.signals;
      const shape: LoadShape = {
        origin: http.url,
        method: 'POST',
        path: `${DURABLE_TASK_WEBHOOK_PATH}/entities/Counter/k{key}?op=add`,
        body: '1',
        keys: s.keys,
        connections: s.concurrency,
        scratchDir: dataDir,
      };
      await withTimeout(httpSignals(app.client, shape, s.warmupSeconds), timeoutMs, 'HTTP signal warm-up');
      await withTimeout(inProcessSignals(app.client, s, s.inProcessWarmup), timeoutMs, 'in-process signal warm-up');
      await withTimeout(httpCeiling(shape, s.warmupSeconds), timeoutMs, 'HTTP ceiling warm-up');
      const ceiling = await withTimeout(httpCeiling(shape, s.httpSeconds), timeoutMs, 'HTTP ceiling');
      progress(`http: ceiling, a bare fastify route answering 202 at once: ${formatInt(ceiling.perSecond)} requests/s`);
      const overHttp = await withTimeout(httpSignals(app.client, shape, s.httpSeconds), timeoutMs, 'HTTP signals');
      progress(
        `http: ${formatInt(overHttp.count)} signals in ${s.httpSeconds} s, ${s.concurrency} concurrent over keep-alive: ${formatInt(overHttp.perSecond)} signals/s`,
      );
      const inProcess = await withTimeout(inProcessSignals(app.client, s, s.inProcessTotal), timeoutMs, 'in-process signals');
      progress(`http: ${formatInt(s.inProcessTotal)} signals with signalEntity in-process, as many concurrent: ${formatInt(inProcess.perSecond)} signals/s`);

      const api = `${http.url}${DURABLE_TASK_WEBHOOK_PATH}`;
      const p = settings.startPoll;
      await withTimeout(httpStartPoll(api, p.warmup), timeoutMs, 'HTTP start+poll warm-up');
      await withTimeout(inProcessStartWait(app.client, p.warmup), timeoutMs, 'in-process start+wait warm-up');
      const httpLatency = summarizeLatencies(await withTimeout(httpStartPoll(api, p.count), timeoutMs, 'HTTP start+poll'));
      const inProcessLatency = summarizeLatencies(await withTimeout(inProcessStartWait(app.client, p.count), timeoutMs, 'in-process start+wait'));
      progress(
        `http: start+poll of a one-activity orchestration p50 ${formatMs(httpLatency.p50)} ms (in-process start+wait p50 ${formatMs(inProcessLatency.p50)} ms)`,
      );
      return {
        settings,
        signalsPerSecond: {
          http: overHttp.perSecond,
          inProcess: inProcess.perSecond,
          target: HTTP_SIGNALS_TARGET,
          pass: overHttp.perSecond >= HTTP_SIGNALS_TARGET,
        },
        httpSignalLatencyMs: overHttp.latencyMs,
        cpuMicrosPerSignal: { http: overHttp.cpu, inProcess: inProcess.cpu, emptyRoute: ceiling.cpu },
        emptyRoutePerSecond: ceiling.perSecond,
        startPollMs: { http: httpLatency, inProcess: inProcessLatency },
      };
    } finally {
      await http.close();
      await app.stop();
    }
  });
}

/** The HTTP section of the report. */
export function renderHttpReport(results: HttpBenchResults): string {
  const { signalsPerSecond: signals, startPollMs: latency, cpuMicrosPerSignal: cpu } = results;
  const micros = (value: number | undefined): string => (value === undefined ? 'n/a' : value.toFixed(0));
  return [
    'HTTP API (embedded engine)',
    renderTable(
      ['scenario', 'over HTTP', 'in-process', 'target'],
      ['l', 'r', 'r', 'r'],
      [
        [
          `signals/s (${results.settings.signals.concurrency} concurrent, keep-alive)`,
          formatInt(signals.http),
          formatInt(signals.inProcess),
          `${formatInt(signals.target)} ${signals.pass ? 'PASS' : 'MISS'}`,
        ],
        ['bare fastify route answering 202 at once, req/s', formatInt(results.emptyRoutePerSecond), '', ''],
        ['signal latency over HTTP, p50 / p99 ms', `${formatMs(results.httpSignalLatencyMs.p50)} / ${formatMs(results.httpSignalLatencyMs.p99)}`, '', ''],
        ['CPU µs per signal, server process', cpu.http.process.toFixed(0), cpu.inProcess.process.toFixed(0), `bare route ${cpu.emptyRoute.process.toFixed(0)}`],
        [
          'CPU µs per signal, main thread (server)',
          micros(cpu.http.mainThread),
          micros(cpu.inProcess.mainThread),
          `bare route ${micros(cpu.emptyRoute.mainThread)}`,
        ],
        ['start+poll, one activity: p50 ms', formatMs(latency.http.p50), formatMs(latency.inProcess.p50), ''],
        ['start+poll, one activity: p99 ms', formatMs(latency.http.p99), formatMs(latency.inProcess.p99), ''],
      ],
    ),
  ].join('\n');
}

/**
 * `npm run bench -- --only http [--quick]`: the HTTP scenarios alone; the report is printed
 * and written to `resultsDir/http-latest.json`.
 */
export async function runHttpBenchAlone(args: BenchArgs, resultsDir: string, progress: Progress): Promise<void> {
  const quick = args.quick;
  progress(`jetstate bench (${quick ? 'quick' : 'full'}): HTTP API scenarios only`);
  const results = await runHttpBench(quick ? HTTP_QUICK : HTTP_FULL, 120_000, progress);
  console.log(`\n${renderHttpReport(results)}`);
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, 'http-latest.json');
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2)}\n`);
  console.log(`results written to ${file}`);
}

/**
 * The HTTP scenarios for the full run, in a process of their own (`--only http`): after the
 * embedded scenarios the benchmark's heap and JIT state slow the engine's hot paths (the
 * in-process rate next to the HTTP one fell from about 40,000 to 33,000 signals/s), which
 * would measure the run's history rather than the API. Its progress lines pass through.
 */
export async function runHttpBenchInFreshProcess(quick: boolean, resultsDir: string, progress: Progress): Promise<HttpBenchResults> {
  const runScript = join(__dirname, '..', 'run.js');
  const child = spawn(process.execPath, [runScript, '--only', 'http', ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Whole lines: a chunk of the child's output may end in the middle of one.
  createInterface({ input: child.stderr }).on('line', (line) => {
    const text = line.trim();
    if (text !== '' && !text.includes('HTTP API scenarios only')) progress(text);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`The HTTP benchmark's process exited with code ${code}.`);
  const { date: _date, ...results } = JSON.parse(await readFile(join(resultsDir, 'http-latest.json'), 'utf8')) as HttpBenchResults & { date: string };
  return results;
}
