import 'reflect-metadata';
import { Activity, Orchestrator, type OrchestrationContext } from '../src/index';

/** The activities of the orchestration scenarios: trivial work, so the figures show the runtime's cost. */
export class BenchActivities {
  @Activity()
  hello(city: string): string {
    return `Hello ${city}!`;
  }

  @Activity()
  double(n: number): number {
    return n * 2;
  }

  @Activity()
  step(n: number): number {
    return n + 1;
  }
}

/** The cities HelloSequence greets: one activity each. */
export const HELLO_CITIES = ['Tokyo', 'Seattle', 'London', 'Paris', 'Cairo'] as const;

/** A chain of activities, one after the other (the classic "function chaining" sample). */
@Orchestrator()
export class HelloSequence {
  async run(ctx: OrchestrationContext, cities: string[]): Promise<string[]> {
    const activities = ctx.activities(BenchActivities);
    const out: string[] = [];
    for (const city of cities) out.push(await activities.hello(city));
    return out;
  }
}

/** Fan-out/fan-in: `count` activities scheduled at once, their results summed. */
@Orchestrator()
export class FanOutFanIn {
  async run(ctx: OrchestrationContext, count: number): Promise<{ count: number; sum: number }> {
    const activities = ctx.activities(BenchActivities);
    const results = await ctx.all(Array.from({ length: count }, (_, i) => activities.double(i)));
    return { count: results.length, sum: results.reduce((a, b) => a + b, 0) };
  }
}

/** The custom status LongChain sets once its chain is done and it waits for 'Tick' events. */
export interface LongChainStatus {
  readonly chained: number;
}

/**
 * Builds a long history: `steps` sequential activities (3 history events each: the turn's
 * marker, the response and the next schedule), then waits for 'Tick' events, one turn
 * each, until a tick below 0 ends it with the number of ticks seen.
 */
@Orchestrator()
export class LongChain {
  async run(ctx: OrchestrationContext, steps: number): Promise<number> {
    const activities = ctx.activities(BenchActivities);
    let value = 0;
    for (let i = 0; i < steps; i++) value = await activities.step(value);
    ctx.setCustomStatus({ chained: value } satisfies LongChainStatus);
    for (let ticks = 0; ; ticks++) {
      const tick = await ctx.waitForExternalEvent<number>('Tick');
      if (tick < 0) return ticks;
    }
  }
}

export const BENCH_ORCHESTRATORS = [HelloSequence, FanOutFanIn, LongChain];
export const BENCH_ACTIVITIES = [BenchActivities];

/** History events of LongChain once `steps` activities are done and it waits for its first tick. */
export function longChainHistoryLength(steps: number): number {
  // First turn: marker, ExecutionStarted, TaskScheduled(0); then per response: marker,
  // TaskCompleted, TaskScheduled(next) (the last one schedules nothing and waits).
  return 3 + 3 * (steps - 1) + 2;
}
