import { describe, expect, test } from 'vitest';
import { Activity, Entity, Operation, Orchestrator } from '../../../decorators';
import { ActivityFailedError } from '../../../src/errors';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { planRewind, type RewindPlan, type RewindRefusal } from '../../../src/runtime/orchestration/rewind';
import { Driver, completed, executorFor, failed, withoutMarkers } from './replay-harness';

class Work {
  @Activity() step(n: number): number {
    return n;
  }
}

@Entity()
class Box {
  value = 0;
  @Operation() get(): number {
    return this.value;
  }
}

/** Three steps; the second one's failure is caught and the code goes on with a fallback. */
@Orchestrator()
class CatchesThenFails {
  async run(ctx: OrchestrationContext): Promise<number[]> {
    const work = ctx.activities(Work);
    const a = await work.step(1);
    let b: number;
    try {
      b = await work.step(2);
    } catch (error) {
      if (!(error instanceof ActivityFailedError)) throw error;
      b = -2;
    }
    const c = await work.step(3);
    return [a, b, c];
  }
}

/** Fails inside a critical section. */
@Orchestrator()
class FailsInSection {
  async run(ctx: OrchestrationContext): Promise<number> {
    const box = ctx.entity(Box, 'b');
    return ctx.lock([box], async () => ctx.activities(Work).step(1));
  }
}

const executor = () => executorFor({ orchestrators: [CatchesThenFails, FailsInSection], activities: [Work], entities: [Box] });

function isPlan(plan: RewindPlan | RewindRefusal): plan is RewindPlan {
  return !('problem' in plan);
}

describe('planRewind', () => {
  test('removes the failure the code did not get past and the outcome; a failure it caught and went on from is kept', async () => {
    const driver = new Driver(executor());
    await driver.start('CatchesThenFails');
    await driver.send([completed(0, 1)]);
    await driver.send([failed(1, 'Error', 'first failure, caught')]);
    const end = await driver.send([failed(2, 'Error', 'second failure')]);
    expect(end.status).toBe('Failed');

    const plan = await planRewind(executor(), 'instance-1', driver.history);
    expect(isPlan(plan)).toBe(true);
    const { history, retried, live } = plan as RewindPlan;
    expect(retried).toEqual([{ kind: 'TaskScheduled', seq: 2, name: 'Work.step', input: 3 }]);
    expect(withoutMarkers(history).map((e) => e.kind)).toEqual([
      'ExecutionStarted',
      'TaskScheduled',
      'TaskCompleted',
      'TaskScheduled',
      'TaskFailed',
      'TaskScheduled',
    ]);
    expect(live.status).toBe('Running');

    // The rewound instance goes on from the retried step.
    const turn = await executor().advance(live, [completed(2, 3)], Date.now());
    expect(turn.status).toBe('Completed');
    expect(turn.output).toEqual([1, -2, 3]);
  });

  test('refuses a history whose failure came inside a critical section', async () => {
    const driver = new Driver(executor());
    await driver.start('FailsInSection');
    await driver.send([{ kind: 'LockGranted', seq: 0 }]);
    const end = await driver.send([failed(1, 'Error', 'boom')]);
    expect(end.status).toBe('Failed');
    expect(withoutMarkers(end.newHistory).map((e) => e.kind)).toEqual(['TaskFailed', 'LocksReleased', 'ExecutionFailed']);
    const plan = await planRewind(executor(), 'instance-1', driver.history);
    expect(plan).toEqual({ problem: expect.stringMatching(/critical section/) });
  });

  test('refuses a history that did not fail', async () => {
    const driver = new Driver(executor());
    await driver.start('CatchesThenFails');
    expect(await planRewind(executor(), 'instance-1', driver.history)).toEqual({ problem: 'its history does not end with a failure' });
  });
});
