import { WINDOWED_METADATA } from './constants';

/** Which time puts a signal in a window. */
export type WindowTime = 'event' | 'arrival';

/** Options of {@link Windowed}. */
export interface WindowedOptions {
  /** The windows' size (tumbling: back to back, no overlap), in ms: 60_000 for minutes, 3_600_000 for hours. */
  readonly sizeMs: number;
  /**
   * How long after its end a window is deleted, in ms. The deletion is a scheduled `delete`
   * signal committed with the window's first operation, so it survives restarts and state
   * streams see it. Must be longer than `allowedLatenessMs`.
   */
  readonly retentionMs: number;
  /**
   * How long after its end a window still accepts signals, in ms (by the clock of the
   * worker applying them). Later signals fail with a `LateDataError`. Default 0.
   */
  readonly allowedLatenessMs?: number;
  /**
   * `event` (default): the sender names each signal's time (`windows(...).window(key, time)`);
   * `arrival`: the client's clock when the signal is sent.
   */
  readonly time?: WindowTime;
}

/**
 * Makes an entity class a windowed aggregate: each instance is one tumbling window of one
 * key, keyed `<key>|<window start, epoch ms, 15 digits>`. Reach windows with
 * `client.windows(Class)`.
 *
 * @example
 * ```ts
 * @Entity()
 * @Windowed({ sizeMs: 60_000, retentionMs: 86_400_000, allowedLatenessMs: 5_000 })
 * class ViewsPerMinute {
 *   views = 0;
 *   @Operation({ merge: (a: number, b: number) => a + b }) add(n: number): void { this.views += n; }
 * }
 * await client.windows(ViewsPerMinute).window('shop/cart', new Date(event.time)).signal.add(1);
 * ```
 */
export function Windowed(options: WindowedOptions): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(WINDOWED_METADATA, options, target);
  };
}
