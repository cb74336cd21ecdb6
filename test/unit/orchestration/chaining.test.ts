import { describe, expect, test } from 'vitest';
import { Activity, Orchestrator } from '../../../decorators';
import { ActivityRunner } from '../../../src/runtime/orchestration/activity-runner';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { Registry } from '../../../src/registry/registry';
import { Driver, T0, actionsOf, completed, executorFor } from './replay-harness';

class Greeter {
  @Activity() async sayHello(city: string): Promise<string> {
    return `Hello ${city}!`;
  }
}

@Orchestrator()
class HelloSequence {
  async run(ctx: OrchestrationContext, cities: string[]): Promise<string[]> {
    const greeter = ctx.activities(Greeter);
    const out: string[] = [];
    for (const city of cities) out.push(await greeter.sayHello(city));
    return out;
  }
}

@Orchestrator('ByName')
class ChainByName {
  async run(ctx: OrchestrationContext, start: number): Promise<number> {
    const doubled = await ctx.callActivity<number>('Greeter.sayHello', start);
    return Number(String(doubled).length);
  }
}

const options = { orchestrators: [HelloSequence, ChainByName], activities: [Greeter] };

describe('function chaining', () => {
  test('each activity is scheduled after the previous one completed, and the outputs are chained', async () => {
    const driver = new Driver(executorFor(options));
    const first = await driver.start('HelloSequence', ['Tokyo', 'London']);
    expect(first.status).toBe('Running');
    expect(first.newHistory).toEqual([
      { kind: 'OrchestratorStarted', timestamp: T0 },
      { kind: 'ExecutionStarted', name: 'HelloSequence', input: ['Tokyo', 'London'], executionId: 'exec-1', generation: 0 },
      { kind: 'TaskScheduled', seq: 0, name: 'Greeter.sayHello', input: 'Tokyo' },
    ]);
    expect(first.actions).toEqual([
      { kind: 'scheduleActivity', instanceId: 'instance-1', executionId: 'exec-1', step: 0, name: 'Greeter.sayHello', input: 'Tokyo' },
    ]);

    const second = await driver.send([completed(0, 'Hello Tokyo!')]);
    expect(second.newHistory).toEqual([
      { kind: 'OrchestratorStarted', timestamp: T0 + 1_000 },
      { kind: 'TaskCompleted', seq: 0, result: 'Hello Tokyo!' },
      { kind: 'TaskScheduled', seq: 1, name: 'Greeter.sayHello', input: 'London' },
    ]);
    expect(second.status).toBe('Running');

    const third = await driver.send([completed(1, 'Hello London!')]);
    expect(third.status).toBe('Completed');
    expect(third.output).toEqual(['Hello Tokyo!', 'Hello London!']);
    expect(third.actions).toEqual([]);
    expect(third.newHistory.at(-1)).toEqual({ kind: 'ExecutionCompleted', result: ['Hello Tokyo!', 'Hello London!'] });
    expect(driver.restores).toBe(1);
  });

  test('driven with the activity runner, the real activity results reach the orchestrator', async () => {
    const registry = Registry.create(options);
    const runner = new ActivityRunner({ registry });
    const driver = new Driver(executorFor(options));
    let turn = await driver.start('HelloSequence', ['Oslo', 'Rome', 'Lima']);
    while (turn.status === 'Running') {
      const tasks = actionsOf(turn, 'scheduleActivity');
      expect(tasks).toHaveLength(1);
      turn = await driver.send([await runner.run(tasks[0]!)]);
    }
    expect(turn.status).toBe('Completed');
    expect(turn.output).toEqual(['Hello Oslo!', 'Hello Rome!', 'Hello Lima!']);
  });

  test('callActivity by name and a custom orchestrator name', async () => {
    const driver = new Driver(executorFor(options));
    const first = await driver.start('ByName', 7);
    expect(actionsOf(first, 'scheduleActivity')).toMatchObject([{ name: 'Greeter.sayHello', input: 7, step: 0 }]);
    const done = await driver.send([completed(0, 'Hello 7!')]);
    expect(done.status).toBe('Completed');
    expect(done.output).toBe(8);
  });

  test('a full replay after eviction continues exactly where the live instance was', async () => {
    const driver = new Driver(executorFor(options));
    await driver.start('HelloSequence', ['A', 'B', 'C']);
    await driver.send([completed(0, 'Hello A!')]);
    driver.evict();
    const turn = await driver.send([completed(1, 'Hello B!')]);
    expect(driver.restores).toBe(2);
    expect(turn.newHistory.slice(1)).toEqual([
      { kind: 'TaskCompleted', seq: 1, result: 'Hello B!' },
      { kind: 'TaskScheduled', seq: 2, name: 'Greeter.sayHello', input: 'C' },
    ]);
    const done = await driver.send([completed(2, 'Hello C!')]);
    expect(done.output).toEqual(['Hello A!', 'Hello B!', 'Hello C!']);
  });
});
