import { ROLL_UP_METADATA } from './constants';

/**
 * Declares once that an entity's changes roll up into a parent entity: after every
 * operation that changes the child's {@link RollUpOptions.value}, the runtime sends the
 * parent's mergeable {@link RollUpOptions.operation} the delta, in the child's commit. The
 * deltas of one batch fold into one message per child (see `@Operation({ merge })`).
 */
export interface RollUpOptions<Child = any, Value = any, Delta = any> {
  /** The parent entity class, or a function returning it (for a class declared further down). */
  readonly to: Function | (() => Function);
  /** The parent's key, from the child's key (e.g. `shop/cart` → `shop`). */
  readonly key: (childKey: string) => string;
  /** The parent's operation that receives the delta; it must be mergeable. */
  readonly operation: string;
  /** What of the child rolls up: a projection of its state (a fresh instance's after a delete). */
  readonly value: (child: Child) => Value;
  /**
   * The input the parent receives for a change from `before` to `after`; `undefined` sends
   * nothing. Default: `after - before` for numbers, nothing when it is 0.
   */
  readonly delta?: (before: Value, after: Value, childKey: string) => Delta | undefined;
}

/**
 * Rolls an entity's changes up into a parent entity (page → site → all sites).
 *
 * @example
 * ```ts
 * @Entity()
 * @RollUp<PageCounter, number>({ to: () => SiteTotals, key: (k) => k.split('/')[0]!, operation: 'add', value: (p) => p.views })
 * class PageCounter {
 *   views = 0;
 *   @Operation({ merge: (a: number, b: number) => a + b }) add(n: number): void { this.views += n; }
 * }
 * ```
 */
export function RollUp<Child = any, Value = any, Delta = any>(options: RollUpOptions<Child, Value, Delta>): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(ROLL_UP_METADATA, options, target);
  };
}
