import type { BenchArgs } from '../lib/bench-args';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { DurableApp, DURABLE_TASK_WEBHOOK_PATH, serveHttp, type DurableClient } from '../../src/index';
import { Counter } from '../fixtures/counter.entity';
import { HttpBenchGreeter, HttpBenchHello } from '../fixtures/http-bench-fixtures';
import { mainThreadCpuSeconds } from '../lib/cpu-usage';
import type { HttpLoadInput, HttpLoadResult } from '../lib/http-load';
import { nowMs, summarizeLatencies, type LatencySummary } from '../lib/stats';
import { formatInt, formatMs, renderTable } from '../lib/table';
import { withTempDir } from '../lib/temp-dir';
import { withTimeout } from '../lib/timeout';

/** Sizes of the HTTP API scenarios (embedded engine). */
export interface HttpBenchSettings {
  /** Signals per run, spread over `keys` counters, `concurrency` in flight (HTTP: as many keep-alive connections). */
  readonly signals: { readonly total: number; readonly keys: number; readonly concurrency: number; readonly warmup: number };
  /** One-activity orchestrations started and waited for one after another. */
  readonly startPoll: { readonly count: number; readonly warmup: number };
}

export const HTTP_FULL: HttpBenchSettings = { signals: { total: 100_000, keys: 1000, concurrency: 64, warmup: 10_000 }, startPoll: { count: 300, warmup: 30 } };
export const HTTP_QUICK: HttpBenchSettings = { signals: { total: 20_000, keys: 1000, concurrency: 64, warmup: 5_000 }, startPoll: { count: 100, warmup: 20 } };

/** Target of the HTTP signal rate on the embedded engine. */
export const HTTP_SIGNALS_TARGET = 10_000;

export interface HttpBenchResults {
  readonly settings: HttpBenchSettings;
  /** Signals accepted per second (`202`, durably enqueued): over HTTP, and with `signalEntity` in-process at the same concurrency. */
  readonly signalsPerSecond: { readonly http: number; readonly inProcess: number; readonly target: number; readonly pass: boolean };
  /**
   * CPU time per signal, in microseconds: the whole process (server, load generator thread,
   * LevelDB's threads), and the main thread alone (the server and the engine; absent where
   * /proc is not available). With the client on another machine the server's rate is
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
  readonly perSecond: number;
  readonly cpu: CpuShare;
}

/** Runs `work` (which handles `count` requests and returns its elapsed milliseconds) and accounts for its CPU. */
async function measured(count: number, work: () => Promise<number>): Promise<Measured> {
  const processBefore = process.cpuUsage();
  const mainBefore = mainThreadCpuSeconds();
  const elapsedMs = await work();
  const used = process.cpuUsage(processBefore);
  const mainAfter = mainThreadCpuSeconds();
  const mainThread = mainBefore === undefined || mainAfter === undefined ? undefined : ((mainAfter - mainBefore) * 1e6) / count;
  return { perSecond: count / (elapsedMs / 1000), cpu: { process: (used.user + used.system) / count, ...(mainThread === undefined ? {} : { mainThread }) } };
}

function load(input: HttpLoadInput): Promise<HttpLoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, '..', 'lib', 'http-load.js'), { workerData: input });
    worker.once('message', (message: { ok: true; result: HttpLoadResult } | { ok: false; error: string }) => {
      void worker.terminate();
      if (message.ok) resolve(message.result);
      else reject(new Error(`HTTP load failed: ${message.error}`));
    });
    worker.once('error', reject);
  });
}

function httpSignals(origin: string, settings: HttpBenchSettings['signals'], total: number): Promise<Measured> {
  const path = `${DURABLE_TASK_WEBHOOK_PATH}/entities/Counter/k{key}?op=add`;
  return measured(total, async () => {
    const result = await load({ origin, method: 'POST', path, body: '1', total, keys: settings.keys, concurrency: settings.concurrency });
    if (result.statuses['202'] !== total) throw new Error(`Expected ${total} replies 202, got ${JSON.stringify(result.statuses)}`);
    return result.elapsedMs;
  });
}

/** The same load on a bare fastify route that answers at once: what HTTP alone costs on this machine now. */
async function httpCeiling(settings: HttpBenchSettings['signals'], total: number): Promise<Measured> {
  const server = Fastify();
  server.post('/empty', async (_request, reply) => reply.code(202).send());
  const origin = await server.listen({ port: 0, host: '127.0.0.1' });
  try {
    return await measured(total, async () => {
      const result = await load({ origin, method: 'POST', path: '/empty', body: '1', total, keys: settings.keys, concurrency: settings.concurrency });
      return result.elapsedMs;
    });
  } finally {
    await server.close();
  }
}

function inProcessSignals(client: DurableClient, settings: HttpBenchSettings['signals'], total: number): Promise<Measured> {
  return measured(total, async () => {
    let next = 0;
    const began = nowMs();
    const lane = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        await client.signalEntity({ name: 'Counter', key: `k${i % settings.keys}` }, 'add', 1);
      }
    };
    await Promise.all(Array.from({ length: settings.concurrency }, lane));
    return nowMs() - began;
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
 * The HTTP API on the embedded engine: signals per second over HTTP (keep-alive, load from a
 * worker thread) next to `signalEntity` in-process, and start-and-poll latency of a
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
      await withTimeout(httpSignals(http.url, s, s.warmup), timeoutMs, 'HTTP signal warm-up');
      await withTimeout(inProcessSignals(app.client, s, s.warmup), timeoutMs, 'in-process signal warm-up');
      await withTimeout(httpCeiling(s, s.warmup), timeoutMs, 'HTTP ceiling warm-up');
      const ceiling = await withTimeout(httpCeiling(s, s.total), timeoutMs, 'HTTP ceiling');
      progress(`http: ceiling, a bare fastify route answering 202 at once: ${formatInt(ceiling.perSecond)} requests/s`);
      const overHttp = await withTimeout(httpSignals(http.url, s, s.total), timeoutMs, 'HTTP signals');
      progress(`http: ${formatInt(s.total)} signals, ${s.concurrency} concurrent over keep-alive: ${formatInt(overHttp.perSecond)} signals/s`);
      const inProcess = await withTimeout(inProcessSignals(app.client, s, s.total), timeoutMs, 'in-process signals');
      progress(`http: the same with signalEntity in-process: ${formatInt(inProcess.perSecond)} signals/s`);

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
        ['CPU µs per signal, whole process', cpu.http.process.toFixed(0), cpu.inProcess.process.toFixed(0), `bare route ${cpu.emptyRoute.process.toFixed(0)}`],
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
