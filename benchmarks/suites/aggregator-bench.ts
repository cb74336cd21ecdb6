import { AllSites, PageCounter, SiteTotals } from '../../examples/counter-entities';
import { DurableApp, type DurableAppOptions } from '../../src/index';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { AGGREGATOR_BENCH_ENTITIES, ForwardingPage, ForwardingSite, LetterCount, Mapper, MergingCounter } from '../fixtures/aggregator-entities';
import { sendBounded } from '../lib/bounded-producer';
import { Counter } from '../fixtures/counter.entity';
import { nowMs } from '../lib/stats';
import { formatInt } from '../lib/table';
import { withTempDir } from '../lib/temp-dir';
import { withTimeout } from '../lib/timeout';
import { wordCorpus } from '../fixtures/word-corpus';

export type EngineKind = 'embedded' | 'nats';

/** Sizes of the aggregator scenarios. */
export interface AggregatorBenchSettings {
  readonly hotKeySignals: number;
  readonly demo: { readonly pages: number; readonly signalsPerPage: number; readonly burst: number };
  readonly wordCount: { readonly words: number; readonly chunkWords: number; readonly mappers: number };
  readonly timeoutMs: number;
}

export const AGGREGATORS_FULL: AggregatorBenchSettings = {
  hotKeySignals: 1_000_000,
  demo: { pages: 12, signalsPerPage: 5_000, burst: 100 },
  wordCount: { words: 1_000_000, chunkWords: 500, mappers: 8 },
  timeoutMs: 600_000,
};

export const AGGREGATORS_QUICK: AggregatorBenchSettings = {
  hotKeySignals: 100_000,
  demo: { pages: 12, signalsPerPage: 1_000, burst: 100 },
  wordCount: { words: 100_000, chunkWords: 500, mappers: 8 },
  timeoutMs: 300_000,
};

/** One measured scenario: a rate and how many stored messages each signal cost. */
export interface AggregatorRow {
  readonly engine: EngineKind;
  readonly scenario: string;
  readonly items: number;
  /** Items acknowledged (durably enqueued) per second. */
  readonly ackedPerSecond: number;
  /** Items applied (the final state shows them all) per second. */
  readonly appliedPerSecond: number;
  /** Messages the engine took from its log and applied, per item sent. */
  readonly messagesPerItem: number;
}

type Progress = (line: string) => void;

/** Runs every aggregator scenario on both engines (NATS against a server it starts). */
export async function runAggregatorBench(
  settings: AggregatorBenchSettings,
  progress: Progress,
  engines: readonly EngineKind[] = ['embedded', 'nats'],
): Promise<AggregatorRow[]> {
  const rows: AggregatorRow[] = [];
  const server = engines.includes('nats') ? await startNatsServer() : undefined;
  try {
    let hubs = 0;
    for (const engine of engines) {
      const open = (run: (app: DurableApp) => Promise<AggregatorRow>): Promise<AggregatorRow> => withApp(engine, server, `agg${++hubs}`, run);
      const scenarios: [string, (app: DurableApp) => Promise<AggregatorRow>][] = [
        ['hot key, no merge', (app) => hotKey(app, engine, 'hot key, no merge', settings, false, false)],
        ['hot key, merge', (app) => hotKey(app, engine, 'hot key, merge', settings, true, false)],
        ['hot key, merge, signalMany', (app) => hotKey(app, engine, 'hot key, merge, signalMany', settings, true, true)],
        ['counter demo, forwarding', (app) => counterDemo(app, engine, settings, false)],
        ['counter demo, roll-ups', (app) => counterDemo(app, engine, settings, true)],
        ['WordCount', (app) => wordCount(app, engine, settings)],
      ];
      for (const [name, run] of scenarios) {
        const row = await withTimeout(open(run), settings.timeoutMs, `${name} on ${engine}`);
        rows.push(row);
        progress(
          `${engine} ${name}: ${formatInt(row.appliedPerSecond)}/s applied, ${formatInt(row.ackedPerSecond)}/s acknowledged, ${row.messagesPerItem.toFixed(4)} messages per item`,
        );
      }
    }
  } finally {
    await server?.dispose();
  }
  return rows;
}

async function withApp<T>(engine: EngineKind, server: NatsServer | undefined, hub: string, run: (app: DurableApp) => Promise<T>): Promise<T> {
  const entities = [...AGGREGATOR_BENCH_ENTITIES, Counter, PageCounter, SiteTotals, AllSites];
  return withTempDir(hub, async (dataDir) => {
    const options: DurableAppOptions =
      engine === 'embedded' ? { entities, dataDir, logger: { level: 'silent' } } : { entities, nats: server!.url, hub, dataDir, logger: { level: 'silent' } };
    const app = await DurableApp.create(options);
    await app.start();
    try {
      return await run(app);
    } finally {
      await app.stop();
    }
  });
}

/** Stats once the last commit's counters are in: a NATS snapshot is readable a moment before its batch is counted. */
async function settledStats(app: DurableApp): Promise<ReturnType<DurableApp['stats']>> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return app.stats();
}

function row(engine: EngineKind, scenario: string, items: number, ackedMs: number, appliedMs: number, messages: number): AggregatorRow {
  return { engine, scenario, items, ackedPerSecond: items / (ackedMs / 1000), appliedPerSecond: items / (appliedMs / 1000), messagesPerItem: messages / items };
}

/** `add(1)` to one key from one client; done when a call reads them all back. */
async function hotKey(
  app: DurableApp,
  engine: EngineKind,
  scenario: string,
  settings: AggregatorBenchSettings,
  merge: boolean,
  batched: boolean,
): Promise<AggregatorRow> {
  const total = settings.hotKeySignals;
  const handle = merge ? app.client.entity(MergingCounter, 'hot') : app.client.entity(Counter, 'hot');
  const before = app.stats().messagesApplied;
  const start = nowMs();
  // A NATS client publishes each signal and waits for its acknowledgement: fewer in flight keeps them within the publish timeout.
  const batch = engine === 'embedded' ? 10_000 : 2_000;
  if (batched) {
    const name = merge ? 'MergingCounter' : 'Counter';
    const items = Array.from({ length: batch }, () => ({ id: { name, key: 'hot' }, operation: 'add', input: 1 }));
    await sendBounded(Math.ceil(total / batch), engine === 'embedded' ? 8 : 1, () => app.client.signalMany(items));
  } else {
    await sendBounded(total, engine === 'embedded' ? 20_000 : 2_000, () => handle.signal.add(1));
  }
  const ackedMs = nowMs() - start;
  const sent = batched ? Math.ceil(total / batch) * batch : total;
  // Reads of the committed state, not calls: a call would wait behind the whole backlog.
  for (;;) {
    const value = (await handle.read()).entityState?.value ?? 0;
    if (value === sent) break;
    if (value > sent) throw new Error(`hot key (${engine}): sent ${sent} add(1), the counter holds ${value}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const appliedMs = nowMs() - start;
  return row(engine, scenario, sent, ackedMs, appliedMs, (await settledStats(app)).messagesApplied - before);
}

/** The counter demo's workload: pages in bursts, site totals at the end; with forwarding (before) or roll-ups (after). */
async function counterDemo(app: DurableApp, engine: EngineKind, settings: AggregatorBenchSettings, rollUps: boolean): Promise<AggregatorRow> {
  const { pages, signalsPerPage, burst } = settings.demo;
  const sites = ['shop', 'blog', 'docs'];
  const keys = Array.from({ length: pages }, (_, i) => `${sites[i % sites.length]}/page${i}`);
  const expected = (site: string): number => keys.filter((k) => k.startsWith(`${site}/`)).length * signalsPerPage * 2;
  const before = app.stats().messagesApplied;
  const start = nowMs();
  await Promise.all(
    keys.map(async (key) => {
      const page = rollUps ? app.client.entity(PageCounter, key) : app.client.entity(ForwardingPage, key);
      for (let i = 0; i < signalsPerPage; i += burst) await Promise.all(Array.from({ length: Math.min(burst, signalsPerPage - i) }, () => page.signal.add(2)));
    }),
  );
  const ackedMs = nowMs() - start;
  const siteTotal = async (site: string): Promise<number> =>
    (rollUps
      ? (await app.client.entity(SiteTotals, site).read()).entityState?.total
      : (await app.client.entity(ForwardingSite, site).read()).entityState?.total) ?? 0;
  for (;;) {
    const totals = await Promise.all(sites.map(siteTotal));
    if (totals.every((t, i) => t === expected(sites[i]!))) break;
    if (totals.some((t, i) => t > expected(sites[i]!))) throw new Error(`counter demo (${engine}): a site total went past what was sent`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const appliedMs = nowMs() - start;
  const messages = (await settledStats(app)).messagesApplied - before;
  return row(engine, `counter demo, ${rollUps ? 'roll-ups' : 'forwarding'}`, pages * signalsPerPage, ackedMs, appliedMs, messages);
}

/** Mappers split text and signal word counts; word counts roll up by first letter. Done when the letters hold every word. */
async function wordCount(app: DurableApp, engine: EngineKind, settings: AggregatorBenchSettings): Promise<AggregatorRow> {
  const { chunkWords, mappers } = settings.wordCount;
  // On NATS every mapper batch publishes a signal per distinct word: a fifth of the text keeps the run within minutes.
  const words = engine === 'embedded' ? settings.wordCount.words : Math.ceil(settings.wordCount.words / 5);
  const chunks = wordCorpus(words, chunkWords);
  const letters = [...new Set(chunks.flatMap((c) => c.split(' ').map((w) => w[0]!)))];
  const before = app.stats().messagesApplied;
  const start = nowMs();
  await sendBounded(chunks.length, engine === 'embedded' ? 64 : 8, (i) => app.client.entity(Mapper, `m${i % mappers}`).signal.map(chunks[i]!));
  const ackedMs = nowMs() - start;
  for (;;) {
    const totals = await Promise.all(letters.map(async (l) => (await app.client.entity(LetterCount, l).read()).entityState?.total ?? 0));
    const counted = totals.reduce((a, b) => a + b, 0);
    if (counted === words) break;
    if (counted > words) throw new Error(`WordCount (${engine}): counted ${counted} of ${words} words`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const appliedMs = nowMs() - start;
  return row(engine, 'WordCount', words, ackedMs, appliedMs, (await settledStats(app)).messagesApplied - before);
}
