import { type Observable, distinctUntilChanged, map, startWith, switchMap, timer } from 'rxjs';
import { InvalidOptionsError } from '../errors';
import type { Constructor, EntityDefinition } from '../registry/entity-definition';
import { WINDOW_SEPARATOR, parseWindowKey, windowKey, windowStart, type WindowDefinition } from '../registry/window-definition';
import type { EntityHandle, EntityListPage, EntityStateResponse, ListEntitiesQuery } from './entity-types';

/** One window of a key: its bounds and its committed state (undefined while it has none). */
export interface WindowState<T> {
  readonly key: string;
  readonly start: Date;
  /** Exclusive. */
  readonly end: Date;
  readonly state: T | undefined;
}

/**
 * The windows of a `@Windowed` entity class, by key: the window a signal goes to, the
 * windows of a time range, and the current window as a stream. Obtain it with
 * `client.windows(Class)`.
 *
 * @example
 * ```ts
 * const perMinute = client.windows(ViewsPerMinute);
 * await perMinute.window('shop/cart', new Date(event.time)).signal.add(1);
 * const lastHour = await perMinute.range('shop/cart', new Date(Date.now() - 3_600_000), new Date());
 * perMinute.current$('shop/cart').subscribe((w) => console.log(w.start, w.state?.views ?? 0));
 * ```
 */
export interface WindowsHandle<T extends object> {
  /** The windows' size in ms. */
  readonly sizeMs: number;
  /**
   * The window of `key` holding `time`: required for event-time windows, refused for
   * arrival-time windows (which use this client's clock now).
   */
  window(key: string, time?: Date): EntityHandle<T>;
  /** The existing windows of `key` that start in [from, to), oldest first. */
  range(key: string, from: Date, to: Date): Promise<WindowState<T>[]>;
  /** The current window of `key` (by this client's clock): its state now and after each commit, switching windows on time. */
  current$(key: string): Observable<WindowState<T>>;
}

/** What {@link windowsOf} needs from the client. */
export interface WindowClient {
  entity<T extends object>(cls: Constructor<T>, key: string): EntityHandle<T>;
  listEntities(query: ListEntitiesQuery): Promise<EntityListPage>;
  entityState$<T = unknown>(id: { name: string; key: string }): Observable<EntityStateResponse<T>>;
}

/** The {@link WindowsHandle} of a windowed entity class. */
export function windowsOf<T extends object>(
  client: WindowClient,
  cls: Constructor<T>,
  definition: EntityDefinition<T>,
  now: () => number = Date.now,
): WindowsHandle<T> {
  const window = definition.window;
  if (!window)
    throw new InvalidOptionsError(
      `${definition.name} is not windowed. Declare it with @Windowed({ sizeMs, retentionMs }) to use client.windows(${definition.name}).`,
    );
  const stateOf = (key: string, startMs: number, state: T | undefined): WindowState<T> => ({
    key,
    start: new Date(startMs),
    end: new Date(startMs + window.sizeMs),
    state,
  });
  return {
    sizeMs: window.sizeMs,
    window: (key, time) => client.entity(cls, windowKey(checkKey(key), startFor(window, definition.name, time, now))),
    range: async (key, from, to) => {
      const out: WindowState<T>[] = [];
      let continuationToken: string | undefined;
      do {
        const page = await client.listEntities({
          name: definition.name,
          keyPrefix: `${checkKey(key)}${WINDOW_SEPARATOR}`,
          pageSize: 1000,
          ...(continuationToken ? { continuationToken } : {}),
        });
        for (const entity of page.entities) {
          const parsed = parseWindowKey(entity.id.key);
          if (parsed?.key === key && parsed.startMs >= from.getTime() && parsed.startMs < to.getTime())
            out.push(stateOf(key, parsed.startMs, entity.state as T));
        }
        continuationToken = page.continuationToken;
      } while (continuationToken);
      return out;
    },
    current$: (key) => {
      checkKey(key);
      const untilNext = window.sizeMs - (now() % window.sizeMs);
      return timer(untilNext, window.sizeMs).pipe(
        startWith(-1),
        map(() => windowStart(now(), window.sizeMs)),
        distinctUntilChanged(),
        switchMap((startMs) =>
          client
            .entityState$<T>({ name: definition.name, key: windowKey(key, startMs) })
            .pipe(map((response) => stateOf(key, startMs, response.entityExists ? response.entityState : undefined))),
        ),
      );
    },
  };
}

function startFor(window: WindowDefinition, name: string, time: Date | undefined, now: () => number): number {
  if (window.time === 'arrival') {
    if (time !== undefined)
      throw new InvalidOptionsError(`${name} windows by arrival time; call window(key) without a time, or declare @Windowed({ time: 'event' }).`);
    return windowStart(now(), window.sizeMs);
  }
  if (!(time instanceof Date) || !Number.isFinite(time.getTime())) {
    throw new InvalidOptionsError(`${name} windows by event time: pass the event's time, window(key, new Date(event.time)), got ${String(time)}.`);
  }
  return windowStart(time.getTime(), window.sizeMs);
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || key.includes(WINDOW_SEPARATOR)) {
    throw new InvalidOptionsError(
      `A window's key must be a string without '${WINDOW_SEPARATOR}' (it separates the key from the window start), got ${JSON.stringify(key)}.`,
    );
  }
  return key;
}
