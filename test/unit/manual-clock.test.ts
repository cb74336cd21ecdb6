import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/index';

describe('ManualClock', () => {
  test('stands still until advanced, then fires what falls due in time order', async () => {
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 2_000);
    clock.setTimer(() => fired.push(`a@${clock.now()}`), 1_000);
    clock.setTimer(() => fired.push(`c@${clock.now()}`), 72 * 3600_000);
    const start = clock.now();
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(start);
    await clock.advance(1_500);
    expect(fired).toEqual([`a@${start + 1_000}`]);
    expect(clock.now()).toBe(start + 1_500);
    await clock.advance(72 * 3600_000);
    expect(fired).toEqual([`a@${start + 1_000}`, `b@${start + 2_000}`, `c@${start + 72 * 3600_000}`]);
    expect(clock.now()).toBe(start + 1_500 + 72 * 3600_000);
  });

  test('a cancelled timer never fires; a timer armed by a firing one fires in the same advance if due', async () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimer(() => fired.push(1), 100).cancel();
    clock.setTimer(() => {
      fired.push(2);
      clock.setTimer(() => fired.push(3), 50);
    }, 200);
    await clock.advance(300);
    expect(fired).toEqual([2, 3]);
  });

  test('a timer due now fires without advancing; the clock never moves backward', async () => {
    const clock = new ManualClock(5_000);
    const fired = new Promise<number>((resolve) => clock.setTimer(() => resolve(clock.now()), 0));
    expect(await fired).toBe(5_000);
    await clock.advanceTo(1_000);
    expect(clock.now()).toBe(5_000);
  });
});
