import { describe, expect, it } from 'vitest';
import { ScheduledMessages, type ScheduledEntry } from '../../src/engine/scheduled-messages';
import { ManualClock } from '../../src/runtime/clock';

const T0 = Date.UTC(2026, 0, 1);

function entry(due: number, id: string): ScheduledEntry {
  return {
    due: T0 + due,
    key: `t/${due}/${id}`,
    message: { id, target: { name: 'Counter', key: 'k' }, operation: 'add', kind: 'signal', scheduledTime: T0 + due },
  };
}

describe('ScheduledMessages', () => {
  it('fires entries by due time, in arrival order among equal times, each once, whatever order they were added in', async () => {
    const clock = new ManualClock(T0);
    const fired: string[][] = [];
    const index = new ScheduledMessages(clock, (due) => fired.push(due.map((e) => e.message.id)));
    index.add([entry(300, 'c1'), entry(100, 'a'), entry(300, 'c2')]);
    index.add([entry(200, 'b'), entry(300, 'c3'), entry(50, 'first')]);
    index.start();
    expect(index.size).toBe(6);
    await clock.advance(100);
    expect(fired).toEqual([['first'], ['a']]);
    // Added while running, earlier than what is armed: it re-arms for it.
    index.add([entry(150, 'late')]);
    await clock.advance(100);
    expect(fired).toEqual([['first'], ['a'], ['late'], ['b']]);
    await clock.advance(1000);
    expect(fired.flat()).toEqual(['first', 'a', 'late', 'b', 'c1', 'c2', 'c3']);
    // The three due at the same time fire together.
    expect(fired.at(-1)).toEqual(['c1', 'c2', 'c3']);
    expect(index.size).toBe(0);
  });

  it('holds entries until started, and fires nothing after stop', async () => {
    const clock = new ManualClock(T0);
    const fired: string[] = [];
    const index = new ScheduledMessages(clock, (due) => fired.push(...due.map((e) => e.message.id)));
    index.add([entry(10, 'x')]);
    await clock.advance(50);
    expect(fired).toEqual([]);
    index.start();
    await clock.advance(0);
    expect(fired).toEqual(['x']);
    index.add([entry(100, 'y')]);
    index.stop();
    await clock.advance(500);
    expect(fired).toEqual(['x']);
    expect(index.size).toBe(1);
  });
});
