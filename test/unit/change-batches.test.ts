import { Subject, firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { changeBatches, MAX_CHANGES_PER_EVENT } from '../../src/http/change-batches';
import type { StreamEvent } from '../../src/http/event-streams';

interface Change {
  readonly id: string;
  readonly value: number;
}

/** Pushes `changes` at once, ends the source, and collects the events. */
async function eventsOf(changes: readonly Change[]): Promise<StreamEvent[]> {
  const source = new Subject<Change>();
  const events = firstValueFrom(
    changeBatches(
      source,
      (change) => change.id,
      (change) => ({ key: change.id, value: change.value }),
    ).pipe(toArray()),
  );
  for (const change of changes) source.next(change);
  source.complete();
  return events;
}

describe('the batches of a listing stream', () => {
  it('sends the latest change of each item in a window as one changes event', async () => {
    const events = await eventsOf([
      { id: 'a', value: 1 },
      { id: 'b', value: 1 },
      { id: 'a', value: 2 },
    ]);
    expect(events).toEqual([
      {
        event: 'changes',
        data: [
          { key: 'a', value: 2 },
          { key: 'b', value: 1 },
        ],
      },
    ]);
  });

  it(`sends a reload event, not the changes, when more than ${MAX_CHANGES_PER_EVENT} items changed in a window`, async () => {
    const changes = Array.from({ length: MAX_CHANGES_PER_EVENT + 1 }, (_, i) => ({ id: `k${i}`, value: i }));
    expect(await eventsOf(changes)).toEqual([{ event: 'reload', data: { changes: MAX_CHANGES_PER_EVENT + 1 } }]);
    // Many changes of few items are few changes.
    const repeated = Array.from({ length: 2_000 }, (_, i) => ({ id: `k${i % 3}`, value: i }));
    expect((await eventsOf(repeated))[0]!.event).toBe('changes');
  });

  it('sends nothing for a window without changes', async () => {
    expect(await eventsOf([])).toEqual([]);
  });
});
