import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCounterDemo } from '../../examples/counter-demo';
import { tempDir } from '../helpers';

describe('counter demo', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('applies every signal exactly once: grand total = site totals = sum of counters = views sent, rolled up in fewer messages than signals', async () => {
    const dir = await tempDir('jetstate-demo-');
    cleanups.push(dir.remove);
    const dataDir = `${dir.path}/data`;
    const lines: string[] = [];

    const result = await runCounterDemo({ dataDir, sources: 5, eventsPerSource: 120, burst: 25, printIntervalMs: 20, log: (line) => lines.push(line) });

    expect(result.consistent).toBe(true);
    expect(result.clientSignals).toBe(600);
    // The streams' signals plus at least one roll-up delta per page and per site.
    expect(result.signalsApplied).toBeGreaterThan(600 + 5 + 3);
    // Folding and roll-ups store fewer messages than the streams sent signals.
    expect(result.messagesStored).toBeLessThan(result.clientSignals);

    const pages = Object.keys(result.sent);
    expect(pages).toHaveLength(5);
    expect(result.counters).toEqual(result.sent);
    const sentTotal = Object.values(result.sent).reduce((a, b) => a + b, 0);
    // Every view is at least 1, so the totals cannot all be zero by accident.
    expect(sentTotal).toBeGreaterThanOrEqual(600);

    const siteOf = (page: string) => page.slice(0, page.indexOf('/'));
    let siteTotal = 0;
    for (const [site, state] of Object.entries(result.sites)) {
      const ownPages = pages.filter((page) => siteOf(page) === site);
      const ofCounters = ownPages.reduce((a, page) => a + result.counters[page]!, 0);
      expect(state.total).toBe(ofCounters);
      expect(Object.keys(state.byPage)).toHaveLength(ownPages.length);
      for (const page of ownPages) expect(state.byPage[page.slice(site.length + 1)]).toBe(result.sent[page]);
      siteTotal += state.total;
    }
    expect(siteTotal).toBe(sentTotal);
    expect(result.allSites.total).toBe(sentTotal);
    for (const [site, state] of Object.entries(result.sites)) expect(result.allSites.bySite[site]).toBe(state.total);

    // state$ was printed, the last line showing every site complete.
    const printed = lines.filter((line) => line.includes('[state$]'));
    expect(result.statePrints).toBeGreaterThan(0);
    expect(printed).toHaveLength(result.statePrints);
    expect(printed.at(-1)).toMatch(/shop .*\(100%\).*blog .*\(100%\).*docs .*\(100%\)/);
    expect(lines.some((line) => line.startsWith('OK:'))).toBe(true);
    expect(lines.some((line) => /600 signals sent by the streams .* signals\/s/.test(line))).toBe(true);
    expect(lines.some((line) => /stored messages: 0\.\d+ messages per signal sent/.test(line))).toBe(true);
    expect(result.signalsPerSecond).toBeGreaterThan(0);

    // The demo removes its data directory.
    expect(existsSync(dataDir)).toBe(false);
  });
});
