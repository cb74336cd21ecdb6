import { Operation } from '../../decorators';

/**
 * A counter: `add` is mergeable (a sum), so a hot key's adds fold into a few messages.
 * Extend it and declare the entity with your own name.
 *
 * @example
 * ```ts
 * @Entity() class PageViews extends Counter {}
 * await client.entity(PageViews, 'shop/cart').signal.add(1);
 * ```
 */
export class Counter {
  value = 0;

  /** Adds `n` (negative to subtract). `add(a)` then `add(b)` equals `add(a + b)`. */
  @Operation({ merge: (a: number, b: number) => a + b })
  add(n: number): void {
    this.value += n;
  }

  /** Back to 0. Not mergeable: it ends a run of adds. */
  @Operation()
  reset(): void {
    this.value = 0;
  }

  @Operation()
  get(): number {
    return this.value;
  }
}
