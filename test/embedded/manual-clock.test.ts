import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock, InvalidOptionsError, DurableApp } from '../../src/index';
import { Journal } from '../contract/fixtures';
import { eventually } from '../eventually';
import { startApp, tempDir } from '../helpers';

describe('an app on a manual clock', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test('a signal scheduled 72 hours ahead runs when the clock is advanced, not before, and survives a restart', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const clock = new ManualClock(new Date('2026-03-01T09:00:00Z'));
    let app = await startApp(dir.path, { entities: [Journal], clock });
    const journal = app.client.entity(Journal, 'approvals');
    await journal.signalAt(new Date(clock.now() + 72 * 3600_000)).append('escalate');
    await journal.signal.append('asked');
    await clock.advance(71 * 3600_000);
    expect(await journal.call.read()).toEqual(['asked']);
    await app.stop();

    app = await startApp(dir.path, { entities: [Journal], clock });
    cleanups.push(() => app.stop());
    const reopened = app.client.entity(Journal, 'approvals');
    expect(await reopened.call.read()).toEqual(['asked']);
    await clock.advance(3600_000);
    await eventually(async () => (await reopened.call.read()).length === 2, 5_000);
    expect(await reopened.call.read()).toEqual(['asked', 'escalate']);
    // Stamps taken by operations come from the clock too.
    const listed = await app.client.listEntities({ name: 'Journal' });
    expect(listed.entities.map((e) => e.lastOperationTime.getTime())).toEqual([clock.now()]);
  });

  test('a clock without now() and setTimer() is refused', async () => {
    await expect(DurableApp.create({ clock: { now: () => 1 } as never })).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});
