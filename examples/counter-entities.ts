import 'reflect-metadata';
// In your own project: import { Entity, Operation, RollUp } from 'jetstate';
import { Entity, Operation, RollUp } from '../src/index';

/** Views by name (of a page, or of a site): what a roll-up carries and a total keeps. */
export type ViewsBy = Record<string, number>;

/** Adds two breakdowns: `add(a)` then `add(b)` equals `add(sumViews(a, b))`. */
export function sumViews(a: ViewsBy, b: ViewsBy): ViewsBy {
  const out = { ...a };
  for (const [name, views] of Object.entries(b)) out[name] = (out[name] ?? 0) + views;
  return out;
}

function siteOf(pageKey: string): string {
  return pageKey.slice(0, pageKey.indexOf('/'));
}

/**
 * Page views of one page. The key is `<site>/<page>`, e.g. `shop/cart`. `add` is
 * mergeable, so a burst of views to one page is stored as a few messages. Its changes roll
 * up into the {@link SiteTotals} of the page's site: declared once here, not signalled by
 * every operation.
 */
@Entity()
@RollUp<PageCounter, number, ViewsBy>({
  to: () => SiteTotals,
  key: siteOf,
  operation: 'add',
  value: (page) => page.views,
  delta: (before, after, key) => (after === before ? undefined : { [key.slice(key.indexOf('/') + 1)]: after - before }),
})
export class PageCounter {
  views = 0;

  @Operation({ merge: (a: number, b: number) => a + b })
  add(views: number): void {
    this.views += views;
  }

  @Operation()
  get(): number {
    return this.views;
  }
}

/** Views of all pages of one site, keyed by site; rolls up into {@link AllSites} `all`. */
@Entity()
@RollUp<SiteTotals, number, ViewsBy>({
  to: () => AllSites,
  key: () => 'all',
  operation: 'add',
  value: (site) => site.total,
  delta: (before, after, key) => (after === before ? undefined : { [key]: after - before }),
})
export class SiteTotals {
  total = 0;
  byPage: ViewsBy = {};

  /** Views by page: mergeable, so the deltas of many pages' batches fold. */
  @Operation({ merge: sumViews })
  add(delta: ViewsBy): void {
    for (const [page, views] of Object.entries(delta)) {
      this.total += views;
      this.byPage[page] = (this.byPage[page] ?? 0) + views;
    }
  }

  @Operation()
  get(): { total: number; byPage: ViewsBy } {
    return { total: this.total, byPage: { ...this.byPage } };
  }
}

/** Views of every site (one key, `all`): the top of the hierarchy. */
@Entity()
export class AllSites {
  total = 0;
  bySite: ViewsBy = {};

  @Operation({ merge: sumViews })
  add(delta: ViewsBy): void {
    for (const [site, views] of Object.entries(delta)) {
      this.total += views;
      this.bySite[site] = (this.bySite[site] ?? 0) + views;
    }
  }

  @Operation()
  get(): { total: number; bySite: ViewsBy } {
    return { total: this.total, bySite: { ...this.bySite } };
  }
}
