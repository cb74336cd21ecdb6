// Counter/aggregator demo on the embedded engine.
//
// Simulated page-view streams (one per page) signal PageCounter entities through typed
// proxies. PageCounter.add is mergeable, so a burst to one page is stored as a few
// messages. PageCounter rolls up into SiteTotals, and SiteTotals into AllSites: declared
// once with @RollUp, each child sends its parent one delta message per batch, in its
// commit. A subscriber prints SiteTotals changes from `state$` (throttled), and at the end
// the demo checks that the counters, the site totals and the grand total agree with what
// was sent, and prints the rate and how many messages were stored per signal.
//
// Run it with `npm start`.
import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { asyncScheduler, combineLatest, lastValueFrom, takeWhile, tap, throttleTime, throwError, timeout } from 'rxjs';
// In your own project: import { DurableApp } from 'jetstate';
import { DurableApp, type Durability } from '../src/index';
import { AllSites, PageCounter, SiteTotals } from './counter-entities';

/** Settings of {@link runCounterDemo}. */
export interface CounterDemoOptions {
  /** Data directory; removed before and after the run. Default `./.jetstate-demo`. */
  dataDir?: string;
  /** Number of simulated page-view streams, one page each. Default 12. */
  sources?: number;
  /** Signals each stream sends. Default 5,000. */
  eventsPerSource?: number;
  /** Signals a stream sends before waiting for them to be enqueued. Default 100. */
  burst?: number;
  /** Least interval between two printed state$ lines, in ms. Default 250. */
  printIntervalMs?: number;
  /** Where output lines go. Default `console.log`. */
  log?: (line: string) => void;
  /** Default `strict`. */
  durability?: Durability;
}

/** What {@link runCounterDemo} measured. */
export interface CounterDemoResult {
  /** Views sent per page key (`<site>/<page>`). */
  sent: Record<string, number>;
  /** Views per page key, as listed from the PageCounter entities. */
  counters: Record<string, number>;
  /** Per site: the SiteTotals state. */
  sites: Record<string, { total: number; byPage: Record<string, number> }>;
  /** Signals sent by the streams. */
  clientSignals: number;
  /** Signals applied: the streams' plus the roll-up deltas (before folding) sent to SiteTotals and AllSites. */
  signalsApplied: number;
  /** Messages the engine took from its log and applied: what folding and roll-ups left of the signals. */
  messagesStored: number;
  /** The grand total (AllSites `all`). */
  allSites: { total: number; bySite: Record<string, number> };
  /** From the first signal sent until every site total and the grand total were committed. */
  elapsedMs: number;
  /** Signals sent by the streams per second, end to end (until the totals were committed). */
  signalsPerSecond: number;
  /** Lines printed from state$ subscriptions. */
  statePrints: number;
  /** True when counters, site totals and what was sent all agree. */
  consistent: boolean;
}

const SITES = ['shop', 'blog', 'docs'] as const;
const PAGES = ['home', 'pricing', 'search', 'about', 'contact', 'careers'] as const;

/** Runs the demo and returns its figures. */
export async function runCounterDemo(options: CounterDemoOptions = {}): Promise<CounterDemoResult> {
  const dataDir = options.dataDir ?? './.jetstate-demo';
  const sources = options.sources ?? 12;
  const eventsPerSource = options.eventsPerSource ?? 5_000;
  const burst = options.burst ?? 100;
  const printIntervalMs = options.printIntervalMs ?? 250;
  const log = options.log ?? ((line: string) => console.log(line));
  for (const [name, value] of Object.entries({ sources, eventsPerSource, burst, printIntervalMs })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }

  // One page per stream, spread over the sites: shop/home, blog/home, docs/home, shop/pricing, ...
  const pages = Array.from({ length: sources }, (_, i) => {
    const n = Math.floor(i / SITES.length);
    return `${SITES[i % SITES.length]}/${PAGES[n % PAGES.length]}${n >= PAGES.length ? `-${Math.floor(n / PAGES.length) + 1}` : ''}`;
  });
  const sites = [...new Set(pages.map(siteOf))];

  // Decide what each stream sends up front, so the expected totals are known.
  const plans = pages.map((page, i) => {
    const random = mulberry32(i + 1);
    return { page, views: Array.from({ length: eventsPerSource }, () => 1 + Math.floor(random() * 5)) };
  });
  const sent: Record<string, number> = {};
  for (const plan of plans) sent[plan.page] = sum(plan.views);
  const expectedBySite: Record<string, number> = {};
  for (const page of pages) expectedBySite[siteOf(page)] = (expectedBySite[siteOf(page)] ?? 0) + sent[page]!;

  await rm(dataDir, { recursive: true, force: true });
  const app = await DurableApp.create({
    entities: [PageCounter, SiteTotals, AllSites],
    dataDir,
    logger: { level: 'warn' },
    durability: options.durability ?? 'strict',
  });
  let statePrints = 0;
  try {
    await app.start();
    log(`${sources} streams x ${fmt(eventsPerSource)} signals -> ${pages.length} PageCounters -> ${sites.length} SiteTotals (${sites.join(', ')})`);

    // Subscribe before sending. Each site's state$ emits its committed SiteTotals and is
    // cut off once the expected total is reached. One subscriber prints all sites on one
    // line, at most once per interval; another waits for the end, for the timing.
    const totals$ = sites.map((site) =>
      app.client.entity(SiteTotals, site).state$.pipe(
        timeout({ each: 30_000, with: () => throwError(() => new Error(`SiteTotals/${site} did not change for 30 s`)) }),
        takeWhile((totals) => totals.total < expectedBySite[site]!, true),
      ),
    );
    const printed = lastValueFrom(
      combineLatest(totals$).pipe(
        throttleTime(printIntervalMs, asyncScheduler, { leading: true, trailing: true }),
        tap((all) => {
          statePrints++;
          const parts = all.map((totals, i) => {
            const percent = Math.floor((100 * totals.total) / expectedBySite[sites[i]!]!);
            return `${sites[i]} ${fmt(totals.total).padStart(7)} (${String(percent).padStart(3)}%)`;
          });
          log(`  [state$] ${parts.join('  ')}`);
        }),
      ),
    );
    const grandTotal = sum(Object.values(sent));
    const all$ = app.client.entity(AllSites, 'all').state$.pipe(
      timeout({ each: 30_000, with: () => throwError(() => new Error('AllSites/all did not change for 30 s')) }),
      takeWhile((all) => all.total < grandTotal, true),
    );
    const reached = Promise.all([...totals$.map((site$) => lastValueFrom(site$)), lastValueFrom(all$)]);
    // If sending fails these are not awaited; keep them from becoming unhandled rejections.
    printed.catch(() => undefined);
    reached.catch(() => undefined);

    const started = performance.now();
    await Promise.all(
      plans.map(async ({ page, views }) => {
        const counter = app.client.entity(PageCounter, page);
        for (let i = 0; i < views.length; i += burst) {
          // Signals of one sender are applied in the order they were sent.
          await Promise.all(views.slice(i, i + burst).map((n) => counter.signal.add(n)));
        }
      }),
    );
    await reached;
    const elapsedMs = performance.now() - started;
    await printed;

    // Read the results back: list every PageCounter, call every SiteTotals.
    const counters: Record<string, number> = {};
    let continuationToken: string | undefined;
    do {
      const page = await app.client.entities(PageCounter).list({ pageSize: 100, ...(continuationToken ? { continuationToken } : {}) });
      for (const entity of page.entities) counters[entity.id.key] = entity.state!.views;
      continuationToken = page.continuationToken;
    } while (continuationToken);
    const siteStates: CounterDemoResult['sites'] = {};
    for (const site of sites) siteStates[site] = await app.client.entity(SiteTotals, site).call.get();
    const allSites = await app.client.entity(AllSites, 'all').call.get();
    const stats = app.stats();

    log('');
    log(row('PageCounter', 'sent', 'counted'));
    for (const page of pages) {
      log(row(`  ${page}`, sent[page]!, counters[page] ?? 0) + (sent[page] === counters[page] ? '' : '  MISMATCH'));
    }
    let consistent = pages.every((page) => counters[page] === sent[page]) && Object.keys(counters).length === pages.length;
    log(row('SiteTotals', 'sent', 'total', 'its counters'));
    for (const site of sites) {
      const state = siteStates[site]!;
      const ofCounters = sum(pages.filter((p) => siteOf(p) === site).map((p) => counters[p] ?? 0));
      const agrees =
        state.total === expectedBySite[site] &&
        state.total === ofCounters &&
        pages.filter((p) => siteOf(p) === site).every((p) => state.byPage[pageOf(p)] === sent[p]);
      consistent &&= agrees;
      log(row(`  ${site}`, expectedBySite[site]!, state.total, ofCounters) + (agrees ? '' : '  MISMATCH'));
    }

    const allAgrees = allSites.total === grandTotal && sites.every((site) => allSites.bySite[site] === expectedBySite[site]);
    consistent &&= allAgrees;
    log(row('AllSites', 'sent', 'total', 'its sites'));
    log(row('  all', grandTotal, allSites.total, sum(sites.map((site) => siteStates[site]!.total))) + (allAgrees ? '' : '  MISMATCH'));

    const clientSignals = sources * eventsPerSource;
    // The two "get" calls per site and the one of AllSites came after the timing; leave them out.
    const signalsApplied = stats.signalsReceived - sites.length - 1;
    const messagesStored = stats.messagesApplied - sites.length - 1;
    const signalsPerSecond = Math.round(clientSignals / (elapsedMs / 1000));
    log('');
    log(consistent ? 'OK: every counter matches what was sent; the site totals and the grand total match the counters.' : 'MISMATCH: see above.');
    log(
      `${fmt(clientSignals)} signals sent by the streams in ${(elapsedMs / 1000).toFixed(2)} s, totals included: ${fmt(signalsPerSecond)} signals/s ` +
        `(durability '${options.durability ?? 'strict'}')`,
    );
    log(
      `${fmt(signalsApplied)} signals applied (with the roll-up deltas) as ${fmt(messagesStored)} stored messages: ` +
        `${(messagesStored / clientSignals).toFixed(3)} messages per signal sent`,
    );
    return { sent, counters, sites: siteStates, allSites, clientSignals, signalsApplied, messagesStored, elapsedMs, signalsPerSecond, statePrints, consistent };
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function siteOf(pageKey: string): string {
  return pageKey.slice(0, pageKey.indexOf('/'));
}

function pageOf(pageKey: string): string {
  return pageKey.slice(pageKey.indexOf('/') + 1);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** A table row: the first cell left-aligned, the others right-aligned. */
function row(first: string, ...cells: (string | number)[]): string {
  return first.padEnd(20) + cells.map((cell, i) => (typeof cell === 'number' ? fmt(cell) : cell).padStart(i === 0 ? 8 : 14)).join('');
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** A small seeded random number generator, so every run sends the same views. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (typeof require !== 'undefined' && require.main === module) {
  runCounterDemo().then(
    (result) => {
      process.exitCode = result.consistent ? 0 : 1;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
