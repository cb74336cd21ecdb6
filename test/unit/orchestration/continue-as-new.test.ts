import { describe, expect, test } from 'vitest';
import { Entity, Operation, Orchestrator } from '../../../decorators';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import type { OrchestrationTurn } from '../../../src/runtime/orchestration/orchestration-turn';
import { Driver, T0, actionsOf, executorFor, fired, raised } from './replay-harness';

@Entity()
class Meter {
  value = 0;
  @Operation() add(n: number): void {
    this.value += n;
  }
}

@Orchestrator()
class Monitor {
  async run(ctx: OrchestrationContext, state: { round: number; seen: string[] }): Promise<string[]> {
    ctx.setCustomStatus({ round: state.round, guid: ctx.newGuid() });
    if (state.round === 3) return state.seen;
    const signal = await ctx.waitForExternalEvent<string>('Tick');
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 60_000));
    ctx.continueAsNew({ round: state.round + 1, seen: [...state.seen, signal] }, { preserveUnprocessedEvents: true });
    return ['ignored'];
  }
}

@Orchestrator()
class LockThenContinue {
  async run(ctx: OrchestrationContext, round: number): Promise<number> {
    if (round > 0) return round;
    const meter = ctx.entity(Meter, 'm');
    ctx.lock([meter], () => ctx.waitForExternalEvent('never'));
    ctx.continueAsNew(round + 1);
    return -1;
  }
}

const executor = () => executorFor({ orchestrators: [Monitor, LockThenContinue], entities: [Meter] });

/** Starts the next execution the way an engine would: a fresh history with the new start event. */
async function nextExecution(turn: OrchestrationTurn): Promise<{ driver: Driver; first: OrchestrationTurn }> {
  const driver = new Driver(executor());
  const first = await driver.send([turn.continuedAsNew!.started, ...turn.continuedAsNew!.carriedEvents]);
  return { driver, first };
}

describe('continueAsNew', () => {
  test('the execution ends as ContinuedAsNew and the next one starts from a fresh history with the new input', async () => {
    const driver = new Driver(executor());
    await driver.start('Monitor', { round: 0, seen: [] });
    await driver.send([raised('Tick', 'a')]);
    const ended = await driver.send([fired(2, T0 + 61_000)]);
    expect(ended.status).toBe('ContinuedAsNew');
    expect(ended.output).toBeUndefined();
    expect(ended.newHistory.at(-1)).toEqual({ kind: 'ContinuedAsNew', input: { round: 1, seen: ['a'] } });
    const next = ended.continuedAsNew!.started;
    expect(next).toMatchObject({ kind: 'ExecutionStarted', name: 'Monitor', input: { round: 1, seen: ['a'] }, generation: 1 });
    expect(next.executionId).not.toBe('exec-1');

    const { driver: second, first } = await nextExecution(ended);
    expect(first.status).toBe('Running');
    expect(second.history.filter((e) => e.kind === 'ExecutionStarted')).toHaveLength(1);
    // Steps restart at 0 in the new execution; its guids differ from the old execution's.
    expect(first.customStatus).toMatchObject({ round: 1 });
    expect((first.customStatus as { guid: string }).guid).not.toBe((driver.turns[0]!.customStatus as { guid: string }).guid);
    await second.send([raised('Tick', 'b')]);
    const ended2 = await second.send([fired(2, 0)]);
    expect(ended2.continuedAsNew!.started.generation).toBe(2);

    const { driver: third } = await nextExecution(ended2);
    await third.send([raised('Tick', 'c')]);
    const ended3 = await third.send([fired(2, 0)]);
    const { first: last } = await nextExecution(ended3);
    expect(last.status).toBe('Completed');
    expect(last.output).toEqual(['a', 'b', 'c']);
  });

  test('with preserveUnprocessedEvents, events not yet consumed and events after the end are carried over', async () => {
    const driver = new Driver(executor());
    await driver.start('Monitor', { round: 0, seen: [] });
    await driver.send([raised('Tick', 'a'), raised('Tick', 'early')]);
    const ended = await driver.send([fired(2, 0), raised('Tick', 'late')]);
    expect(ended.continuedAsNew!.carriedEvents).toEqual([raised('Tick', 'early'), raised('Tick', 'late')]);
    expect(ended.dropped).toEqual([]);
    const { driver: second, first } = await nextExecution(ended);
    expect(first.newHistory.filter((e) => e.kind === 'EventRaised')).toHaveLength(2);
    const ended2 = await second.send([fired(2, 0)]);
    expect(ended2.continuedAsNew!.started.input).toEqual({ round: 2, seen: ['a', 'early'] });
  });

  test('a lock request still outstanding when the execution continues as new is released', async () => {
    const driver = new Driver(executor());
    const ended = await driver.start('LockThenContinue', 0);
    expect(ended.status).toBe('ContinuedAsNew');
    expect(actionsOf(ended, 'requestLocks')).toMatchObject([{ step: 0, entities: [{ name: 'Meter', key: 'm' }] }]);
    expect(actionsOf(ended, 'releaseLocks')).toMatchObject([{ step: 0, entities: [{ name: 'Meter', key: 'm' }] }]);
    expect(ended.newHistory.slice(-2)).toEqual([
      { kind: 'LocksReleased', seq: 0, entities: [{ name: 'Meter', key: 'm' }] },
      { kind: 'ContinuedAsNew', input: 1 },
    ]);
    const late = await driver.send([{ kind: 'LockGranted', seq: 0 }]);
    expect(late.dropped).toEqual([{ event: { kind: 'LockGranted', seq: 0 }, reason: 'the instance is ContinuedAsNew' }]);
  });
});
