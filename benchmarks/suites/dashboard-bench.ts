import type { BenchArgs } from '../lib/bench-args';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DurableApp, DURABLE_TASK_WEBHOOK_PATH, serveHttp, type DurableClient } from '../../src/index';
import { Counter } from '../fixtures/counter.entity';
import { DashboardBenchDone, DashboardBenchWaiting } from '../fixtures/dashboard-bench-fixtures';
import { nowMs, summarizeLatencies, type LatencySummary } from '../lib/stats';
import { formatInt, formatMs, renderTable } from '../lib/table';
import { startNatsServer } from '../../tools/nats-server';
import { withTempDir } from '../lib/temp-dir';

/** Sizes of the dashboard scenario (embedded engine). */
export interface DashboardBenchSettings {
  readonly instances: number;
  /** Of `instances`, how many stay Running (the rest complete at once). */
  readonly running: number;
  readonly entities: number;
  /** Requests per measured route. */
  readonly samples: number;
}

export const DASHBOARD_FULL: DashboardBenchSettings = { instances: 10_000, running: 2_000, entities: 100_000, samples: 30 };
export const DASHBOARD_QUICK: DashboardBenchSettings = { instances: 2_000, running: 400, entities: 20_000, samples: 10 };

/** What "fast" means for one read: its p50 under this, its body under that. */
export const DASHBOARD_TARGETS = { pageP50Ms: 100, pageBytes: 64 * 1024, firstLoadBytes: 256 * 1024, browserFirstViewMs: 2_000 } as const;

/** One measured read: latency over `samples` requests and the size of one body. */
export interface ReadMeasure {
  readonly name: string;
  readonly ms: LatencySummary;
  readonly bytes: number;
  readonly pass: boolean;
}

export interface DashboardBenchResults {
  readonly settings: DashboardBenchSettings;
  /** The engine behind the served client: embedded, or a NATS hub (the app is its one worker). */
  readonly engine: 'embedded' | 'nats';
  readonly populateMs: { readonly instances: number; readonly entities: number };
  /** The page's own files (HTML, script, style): what a first visit downloads. */
  readonly firstLoadBytes: number;
  readonly reads: readonly ReadMeasure[];
  /** A `stats` event (what the Overview receives each second) and a `changes` event of one instance. */
  readonly eventBytes: { readonly stats: number; readonly instanceChange: number };
  /** In headless Chromium, when one is installed: from navigation to the view showing its data. */
  readonly browserMs?: Readonly<Record<string, number>>;
}

type Progress = (text: string) => void;

const keyOf = (i: number): string => `k${String(i).padStart(6, '0')}`;
const middleKeyOf = (settings: DashboardBenchSettings): string => keyOf(Math.floor(settings.entities / 2));

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

async function populate(client: DurableClient, settings: DashboardBenchSettings, progress: Progress): Promise<DashboardBenchResults['populateMs']> {
  let began = nowMs();
  const chunk = 500;
  for (let start = 0; start < settings.instances; start += chunk) {
    const starts: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(start + chunk, settings.instances); i++) {
      const instanceId = `order-${String(i).padStart(6, '0')}`;
      starts.push(
        i < settings.running ? client.startNew(DashboardBenchWaiting, undefined, { instanceId }) : client.startNew(DashboardBenchDone, i, { instanceId }),
      );
    }
    await Promise.all(starts);
  }
  await waitForIdle(client);
  const instances = nowMs() - began;
  progress(`${formatInt(settings.instances)} instances started in ${formatMs(instances)} ms`);
  began = nowMs();
  for (let start = 0; start < settings.entities; start += 5_000) {
    const items = [];
    for (let i = start; i < Math.min(start + 5_000, settings.entities); i++) items.push({ id: { name: 'Counter', key: keyOf(i) }, operation: 'add', input: 1 });
    await client.signalMany(items);
  }
  await waitForIdle(client);
  const entities = nowMs() - began;
  progress(`${formatInt(settings.entities)} entities written in ${formatMs(entities)} ms`);
  return { instances, entities };
}

/** Until the engine has nothing left to apply. */
async function waitForIdle(client: DurableClient): Promise<void> {
  for (let quiet = 0; quiet < 3;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    quiet = client.insights.stats().backlog === 0 ? quiet + 1 : 0;
  }
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ ms: number; bytes: number; token?: string; body: string }> {
  const began = nowMs();
  const response = await fetch(url, { headers });
  const body = await response.text();
  const ms = nowMs() - began;
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${body.slice(0, 200)}`);
  const token = response.headers.get('x-ms-continuation-token') ?? undefined;
  return { ms, bytes: Buffer.byteLength(body), body, ...(token === undefined ? {} : { token }) };
}

async function measure(name: string, samples: number, read: () => Promise<{ ms: number; bytes: number }>): Promise<ReadMeasure> {
  await read();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < samples; i++) {
    const one = await read();
    times.push(one.ms);
    bytes = one.bytes;
  }
  const ms = summarizeLatencies(times);
  return { name, ms, bytes, pass: ms.p50 < DASHBOARD_TARGETS.pageP50Ms && bytes < DASHBOARD_TARGETS.pageBytes };
}

/** The token that starts page `index` of a listing (pages of `top`), found by paging there. */
async function tokenOfPage(url: string, index: number): Promise<string> {
  let token: string | undefined;
  for (let page = 0; page < index; page++) {
    token = (await get(url, token === undefined ? {} : { 'x-ms-continuation-token': token })).token;
    if (token === undefined) throw new Error(`${url} has fewer than ${index + 1} pages`);
  }
  return token!;
}

/** The first event of a stream, as bytes of its data line, and the time until it came. */
async function firstEvent(url: string, trigger?: () => Promise<unknown>): Promise<{ ms: number; bytes: number }> {
  const controller = new AbortController();
  const began = nowMs();
  const response = await fetch(url, { signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  if (trigger) await trigger();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${url} ended before its first event`);
      text += decoder.decode(value, { stream: true });
      const data = /^data: (.*)$/m.exec(text);
      if (data) return { ms: nowMs() - began, bytes: Buffer.byteLength(data[1]!) };
    }
  } finally {
    controller.abort();
  }
}

async function browserFirstViews(origin: string, settings: DashboardBenchSettings): Promise<Record<string, number> | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  try {
    const views: [string, string, (page: import('playwright-core').Page) => Promise<unknown>][] = [
      ['Overview (counts shown)', '#/', (page) => page.locator(`[data-count="total"]:text-is("${formatInt(settings.instances)}")`).waitFor()],
      ['Instances (first page shown)', '#/instances', (page) => page.locator('[data-testid="instances-table"] tbody tr').nth(24).waitFor()],
      ['Entities (first keys shown)', '#/entities/Counter', (page) => page.locator('[data-testid="entity-keys"] tbody tr').nth(49).waitFor()],
      ['An entity (state shown)', `#/entities/Counter/${middleKeyOf(settings)}`, (page) => page.locator('[data-testid="entity-state"]').waitFor()],
    ];
    const times: Record<string, number> = {};
    for (const [name, hash, shown] of views) {
      const samples: number[] = [];
      for (let i = 0; i < 4; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const began = nowMs();
        await page.goto(`${origin}/${hash}`);
        await shown(page);
        if (i > 0) samples.push(nowMs() - began); // the first is a warm-up
        await context.close();
      }
      times[name] = summarizeLatencies(samples).p50;
    }
    return times;
  } finally {
    await browser.close();
  }
}

/** Builds the page next to the compiled sources, where `serveHttp` looks for it. */
function buildPage(): void {
  const root = join(__dirname, '..', '..', '..');
  const result = spawnSync(process.execPath, [join(root, 'scripts/build-dashboard.mjs'), 'build/src/dashboard/assets'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('Building the dashboard failed');
}

/**
 * The dashboard with many instances and entities: an embedded app with `instances`
 * orchestration instances and `entities` entities, served with the dashboard, and the reads
 * its views make, timed over real HTTP: the page's files, the first and a deep page of each
 * listing, filtered listings, the counts, the first events of the streams, and (when
 * Chromium is installed) each view in a browser from navigation until its data shows.
 */
export async function runDashboardBench(settings: DashboardBenchSettings, engine: 'embedded' | 'nats', progress: Progress): Promise<DashboardBenchResults> {
  buildPage();
  const nats = engine === 'nats' ? await startNatsServer() : undefined;
  return withTempDir('dashboard', async (dir) => {
    const app = await DurableApp.create({
      entities: [Counter],
      orchestrators: [DashboardBenchDone, DashboardBenchWaiting],
      dataDir: dir,
      logger: { level: 'error' },
      ...(nats ? { nats: nats.url, hub: 'dashboard' } : {}),
    });
    await app.start();
    try {
      const populateMs = await populate(app.client, settings, progress);
      const http = await serveHttp(app.client, { port: 0, dashboard: true });
      try {
        const origin = http.url;
        const api = `${origin}${DURABLE_TASK_WEBHOOK_PATH}`;
        const files = await Promise.all(['/', '/assets/app.js', '/assets/app.css'].map((path) => get(`${origin}${path}`)));
        const firstLoadBytes = files.reduce((sum, file) => sum + file.bytes, 0);
        const { samples } = settings;
        const reads: ReadMeasure[] = [];
        const add = async (name: string, read: () => Promise<{ ms: number; bytes: number }>): Promise<void> => {
          reads.push(await measure(name, samples, read));
          progress(`${name}: p50 ${formatMs(reads.at(-1)!.ms.p50)} ms, ${formatInt(reads.at(-1)!.bytes)} bytes`);
        };
        // The first scan of the counts, before anything keeps them: what the first Overview costs.
        const began = nowMs();
        const coldStats = await get(`${api}/stats`);
        const coldStatsMs = nowMs() - began;
        progress(`GET /stats, first (one scan of ${formatInt(settings.instances)} instances): ${formatMs(coldStatsMs)} ms`);
        await add('GET /stats (counts kept)', () => get(`${api}/stats`));
        const instances = `${api}/instances?top=25&showInput=false`;
        await add('GET /instances, first page of 25', () => get(instances));
        const deepInstances = await tokenOfPage(`${api}/instances?top=100&showInput=false`, Math.floor(settings.instances / 100) - 1);
        await add('GET /instances, last page of 100', () => get(`${api}/instances?top=100&showInput=false`, { 'x-ms-continuation-token': deepInstances }));
        // The Running instances come first in id order: Completed and DashboardBenchDone pages skip them all.
        await add('GET /instances?runtimeStatus=Running, first page of 25', () => get(`${instances}&runtimeStatus=Running`));
        await add('GET /instances?runtimeStatus=Completed, first page of 25', () => get(`${instances}&runtimeStatus=Completed`));
        await add('GET /instances?runtimeStatus=Failed (none), the whole scan', () => get(`${instances}&runtimeStatus=Failed`));
        await add('GET /instances?name=DashboardBenchDone, first page of 25', () => get(`${instances}&name=DashboardBenchDone`));
        const prefix = `order-${String(Math.floor(settings.instances / 2))
          .padStart(6, '0')
          .slice(0, 4)}`;
        await add(`GET /instances?instanceIdPrefix=${prefix}, first page of 25`, () => get(`${instances}&instanceIdPrefix=${prefix}`));
        await add('GET /entity-names', () => get(`${api}/entity-names`));
        const keys = `${api}/entities/Counter?top=50`;
        const middleKey = middleKeyOf(settings);
        await add('GET /entities/Counter, first page of 50', () => get(keys));
        const deepKeys = await tokenOfPage(`${api}/entities/Counter?top=10000`, Math.floor(settings.entities / 10_000) - 1);
        await add(`GET /entities/Counter, a page of 50 after ${formatInt(settings.entities - 10_000)} keys`, () =>
          get(keys, { 'x-ms-continuation-token': deepKeys }),
        );
        const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
        await add('GET /entities/Counter?lastOperationTimeFrom=(an hour ago), first page of 50', () => get(`${keys}&lastOperationTimeFrom=${hourAgo}`));
        await add(`GET /entities/Counter/${middleKey} (one state)`, () => get(`${api}/entities/Counter/${middleKey}`));
        const stats = await firstEvent(`${api}/streams/stats`);
        const change = await firstEvent(`${api}/streams/instances`, () => app.client.raiseEvent('order-000000', 'go', 'now'));
        reads.push({
          name: '/streams/stats, first event',
          ms: summarizeLatencies([stats.ms]),
          bytes: stats.bytes,
          pass: stats.ms < DASHBOARD_TARGETS.pageP50Ms && stats.bytes < DASHBOARD_TARGETS.pageBytes,
        });
        progress(`streams: a stats event ${stats.bytes} bytes, an instance change event ${change.bytes} bytes`);
        const browserMs = await browserFirstViews(origin, settings);
        if (browserMs) for (const [name, ms] of Object.entries(browserMs)) progress(`browser, ${name}: ${formatMs(ms)} ms`);
        return {
          settings,
          engine,
          populateMs,
          firstLoadBytes,
          reads: [
            {
              name: 'GET /stats, first (one scan)',
              ms: summarizeLatencies([coldStatsMs]),
              bytes: coldStats.bytes,
              pass: coldStats.bytes < DASHBOARD_TARGETS.pageBytes,
            },
            ...reads,
          ],
          eventBytes: { stats: stats.bytes, instanceChange: change.bytes },
          ...(browserMs ? { browserMs } : {}),
        };
      } finally {
        await http.close();
      }
    } finally {
      await app.stop();
      await nats?.dispose();
    }
  });
}

export function renderDashboardReport(results: DashboardBenchResults): string {
  const { settings } = results;
  const lines = [
    `Dashboard, ${results.engine === 'nats' ? 'NATS JetStream (one worker, serving)' : 'embedded engine'}: ${formatInt(settings.instances)} instances (${formatInt(settings.running)} Running), ${formatInt(settings.entities)} entities`,
    `populated in ${formatMs(results.populateMs.instances)} ms (instances) and ${formatMs(results.populateMs.entities)} ms (entities)`,
    `first visit downloads ${formatInt(results.firstLoadBytes)} bytes (target < ${formatInt(DASHBOARD_TARGETS.firstLoadBytes)})`,
    '',
    renderTable(
      ['read', 'p50 ms', 'p90 ms', 'max ms', 'bytes', `p50 < ${DASHBOARD_TARGETS.pageP50Ms} ms, < ${DASHBOARD_TARGETS.pageBytes / 1024} KB`],
      ['l', 'r', 'r', 'r', 'r', 'l'],
      results.reads.map((read) => [
        read.name,
        formatMs(read.ms.p50),
        formatMs(read.ms.p90),
        formatMs(read.ms.max),
        formatInt(read.bytes),
        read.pass ? 'yes' : 'NO',
      ]),
    ),
    '',
    `events: stats ${formatInt(results.eventBytes.stats)} bytes each second; one instance change ${formatInt(results.eventBytes.instanceChange)} bytes`,
  ];
  if (results.browserMs) {
    lines.push(
      '',
      renderTable(
        ['view in headless Chromium', 'p50 ms'],
        ['l', 'r'],
        Object.entries(results.browserMs).map(([name, ms]) => [name, formatMs(ms)]),
      ),
    );
  }
  return lines.join('\n');
}

/** `npm run bench -- --only dashboard [--quick] [--nats]`. */
export async function runDashboardBenchAlone(args: BenchArgs, resultsDir: string, progress: Progress): Promise<void> {
  const quick = args.quick;
  const engine = args.onNats ? 'nats' : 'embedded';
  progress(`jetstate bench (${quick ? 'quick' : 'full'}): the dashboard's reads with many instances and entities, ${engine}`);
  const results = await runDashboardBench(quick ? DASHBOARD_QUICK : DASHBOARD_FULL, engine, progress);
  console.log(`\n${renderDashboardReport(results)}`);
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `dashboard-${engine}-latest.json`);
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2)}\n`);
  console.log(`results written to ${file}`);
}
