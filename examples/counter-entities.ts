import 'reflect-metadata';
// In your own project: import { Entity, Operation, entityContext } from 'jetstate';
import { Entity, Operation, entityContext } from '../src/index';

/** The input of {@link SiteTotals.record}: views of one page. */
export interface PageViews {
  page: string;
  views: number;
}

/**
 * Page views of one page. The key is `<site>/<page>`, e.g. `shop/cart`. Every change is
 * forwarded to the {@link SiteTotals} entity of the page's site.
 */
@Entity()
export class PageCounter {
  views = 0;

  @Operation()
  add(views: number): void {
    this.views += views;
    const { key } = entityContext().entityId;
    const slash = key.indexOf('/');
    // Sent only if this operation succeeds, in the same commit as the new `views`.
    entityContext()
      .entity(SiteTotals, key.slice(0, slash))
      .signal.record({ page: key.slice(slash + 1), views });
  }

  @Operation()
  get(): number {
    return this.views;
  }
}

/** Views of all pages of one site, keyed by site. */
@Entity()
export class SiteTotals {
  total = 0;
  byPage: Record<string, number> = {};

  @Operation()
  record({ page, views }: PageViews): void {
    this.total += views;
    this.byPage[page] = (this.byPage[page] ?? 0) + views;
  }

  @Operation()
  get(): { total: number; byPage: Record<string, number> } {
    return { total: this.total, byPage: { ...this.byPage } };
  }
}
