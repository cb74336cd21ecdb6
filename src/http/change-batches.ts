import { type Observable, bufferTime, filter, map } from 'rxjs';
import type { StreamEvent } from './event-streams';

/** Changes are gathered this long and sent as one `changes` event. */
export const CHANGES_WINDOW_MS = 250;
/** More changes than this in one window are sent as a `reload` event instead (the page re-reads its listing). */
export const MAX_CHANGES_PER_EVENT = 500;

/**
 * Turns a stream of changes into the events of a listing's live stream: every 250 ms, the
 * latest change of each item changed in that window as one `changes` event (an array), or,
 * for a burst of more than 500 items, one `reload` event saying how many changed, so a
 * page is never sent more than it can show.
 */
export function changeBatches<T, P>(changes$: Observable<T>, idOf: (change: T) => string, payloadOf: (change: T) => P): Observable<StreamEvent> {
  return changes$.pipe(
    bufferTime(CHANGES_WINDOW_MS),
    filter((changes) => changes.length > 0),
    map((changes): StreamEvent => {
      const latest = new Map<string, T>();
      for (const change of changes) latest.set(idOf(change), change);
      if (latest.size > MAX_CHANGES_PER_EVENT) return { event: 'reload', data: { changes: latest.size } };
      return { event: 'changes', data: [...latest.values()].map(payloadOf) };
    }),
  );
}
