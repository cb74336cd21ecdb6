import { describe, expect, test } from 'vitest';
import { NonDeterminismError } from '../../../src/errors';
import type { HistoryEvent } from '../../../src/runtime/orchestration/history-events';
import { LiveOrchestration } from '../../../src/runtime/orchestration/live-orchestration';
import { executionStarted } from '../../../src/runtime/orchestration/orchestration-ids';

const started = executionStarted({ name: 'Flow', executionId: 'e1' });
const raised: HistoryEvent = { kind: 'EventRaised', name: 'Go' };
const completed: HistoryEvent = { kind: 'ExecutionCompleted', result: 1 };

describe('LiveOrchestration', () => {
  test('a turn lets the code use its context and appends its history when it ends; a second turn at once is refused', () => {
    const live = new LiveOrchestration('i1', [started]);
    expect(live.active).toBe(false);
    live.beginTurn(() => undefined);
    expect(live.active).toBe(true);
    expect(() => live.beginTurn(() => undefined)).toThrow(/two turns of instance 'i1'/);
    live.endTurn([raised]);
    expect(live.active).toBe(false);
    expect(live.history).toEqual([started, raised]);
    live.beginTurn(() => undefined);
    live.abortTurn();
    expect(live.history).toEqual([started, raised]);
    expect(() => live.beginTurn(() => undefined)).not.toThrow();
  });

  test('replaying switches the code and the ledger together', () => {
    const live = new LiveOrchestration('i1', [started]);
    live.setReplaying(true);
    expect([live.replaying, live.active, live.ledger.replaying]).toEqual([true, true, true]);
    live.setReplaying(false);
    expect([live.replaying, live.active, live.ledger.replaying]).toEqual([false, false, false]);
  });

  test("run's first outcome is the one that counts", () => {
    const live = new LiveOrchestration('i1', [started]);
    live.recordRunOutcome({ ok: true, value: 1 });
    live.recordRunOutcome({ ok: false, error: new Error('later') });
    expect(live.runOutcome).toEqual({ ok: true, value: 1 });
  });

  test('inputs wait while suspended and come back in order on resume', () => {
    const live = new LiveOrchestration('i1', [started]);
    expect(live.deferWhileSuspended(raised)).toBe(false);
    live.suspend();
    const second: HistoryEvent = { kind: 'EventRaised', name: 'Again' };
    expect(live.deferWhileSuspended(raised)).toBe(true);
    expect(live.deferWhileSuspended(second)).toBe(true);
    expect(live.resume()).toEqual([raised, second]);
    expect(live.suspended).toBe(false);
    expect(live.resume()).toEqual([]);
  });

  test('the first failure found outside a turn waits for the next turn; a divergence found on replay replaces it', () => {
    const live = new LiveOrchestration('i1', [started]);
    const first = live.outsideTurn('a timer');
    expect(first).toBeInstanceOf(NonDeterminismError);
    live.failAtNextTurn(new Error('second'));
    expect(live.pendingFailure).toBe(first);
    const diverged = new Error('diverged');
    live.replayDiverged(diverged);
    expect(live.pendingFailure).toBe(diverged);
    live.clearPendingFailure();
    expect(live.pendingFailure).toBeUndefined();
  });

  test('an ended instance keeps no failure for a next turn', () => {
    const live = new LiveOrchestration('i1', [started, completed]);
    live.outsideTurn('a timer');
    expect(live.pendingFailure).toBeUndefined();
  });
});
