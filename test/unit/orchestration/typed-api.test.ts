import { describe, expect, test } from 'vitest';
import { Activity, Entity, Operation, Orchestrator } from '../../../decorators';
import type { CancellableTask, OrchestrationContext, Task, TimerTask } from '../../../src/runtime/orchestration/orchestration-context';
import { Driver, completed, executorFor, raised } from './replay-harness';

class Greeter {
  prefix = 'Hello';
  @Activity() async sayHello(city: string): Promise<string> {
    return `${this.prefix} ${city}!`;
  }
  @Activity() count(): number {
    return 1;
  }
}

@Entity()
class Counter {
  value = 0;
  @Operation() add(n: number): number {
    return (this.value += n);
  }
}

@Orchestrator()
class Child {
  async run(_ctx: OrchestrationContext, cities: string[]): Promise<number> {
    return cities.length;
  }
}

@Orchestrator()
class UsesTypes {
  async run(ctx: OrchestrationContext, city: string): Promise<string> {
    const greeter = ctx.activities(Greeter);
    const hello: Task<string> = greeter.sayHello(city);
    const event: CancellableTask<number> = ctx.waitForExternalEvent<number>('n');
    const timer: TimerTask = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 1_000));
    const winner = await ctx.any([event, timer]);
    const n: number | undefined = winner === event ? event.result : -1;
    const [text, one] = await ctx.all([hello, greeter.count()]);
    const total: number = await ctx.entity(Counter, 'c').call.add(one);
    ctx.entity(Counter, 'c').signal.add(1);
    const children: number = await ctx.callSubOrchestrator(Child, ['a', 'b']);
    return `${text} ${n} ${total} ${children}`;
  }
}

/** Compile-time checks only: never called. */
export function typeErrors(ctx: OrchestrationContext): void {
  const greeter = ctx.activities(Greeter);
  // @ts-expect-error the activity takes a string
  greeter.sayHello(42);
  // @ts-expect-error fields are not activities
  void greeter.prefix;
  // @ts-expect-error the sub-orchestrator takes a string array
  ctx.callSubOrchestrator(Child, 'a');
  // @ts-expect-error the operation takes a number
  ctx.entity(Counter, 'c').call.add('1');
  // @ts-expect-error a signal returns nothing to await on
  const _nothing: Task<number> = ctx.entity(Counter, 'c').signal.add(1);
  // @ts-expect-error a timer needs a Date
  ctx.createTimer(1000);
}

describe('the typed API', () => {
  test('typed proxies schedule the right calls and results flow back typed', async () => {
    const driver = new Driver(executorFor({ orchestrators: [UsesTypes, Child], activities: [Greeter], entities: [Counter] }));
    await driver.start('UsesTypes', 'Kyoto');
    // seq 0: sayHello, 1: event wait, 2: timer, 3: count
    await driver.send([raised('n', 7), completed(0, 'Hello Kyoto!'), completed(3, 1)]);
    const call = await driver.send([{ kind: 'EntityResponse', seq: 4, result: 1 }]);
    expect(call.actions.map((a) => a.kind)).toEqual(['signalEntity', 'startSubOrchestration']);
    const done = await driver.send([{ kind: 'SubOrchestrationCompleted', seq: 6, result: 2 }]);
    expect(done.output).toBe('Hello Kyoto! 7 1 2');
  });
});
