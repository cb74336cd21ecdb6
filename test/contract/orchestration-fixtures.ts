import 'reflect-metadata';
import { Activity, ActivityFailedError, Orchestrator, type OrchestrationContext } from '../../src/index';
import { Journal } from './fixtures';

export const HOUR = 3_600_000;

/** How often each activity (and some orchestrator code) ran in this process, by label. */
export const runs = new Map<string, number>();
export function counted(key: string): void {
  runs.set(key, (runs.get(key) ?? 0) + 1);
}

export class Greeter {
  @Activity()
  async sayHello(city: string): Promise<string> {
    counted(`hello:${city}`);
    return `Hello ${city}!`;
  }

  @Activity()
  double(n: number): number {
    counted('double');
    return n * 2;
  }

  @Activity()
  async explode(why: string): Promise<string> {
    throw new RangeError(`exploded: ${why}`);
  }

  @Activity()
  escalate(to: string): string {
    return `escalated to ${to}`;
  }
}

@Orchestrator()
export class HelloSequence {
  async run(ctx: OrchestrationContext, cities: string[]): Promise<string[]> {
    const greeter = ctx.activities(Greeter);
    const out: string[] = [];
    for (const city of cities) out.push(await greeter.sayHello(city));
    return out;
  }
}

@Orchestrator()
export class FanOutFanIn {
  async run(ctx: OrchestrationContext, count: number): Promise<{ sum: number; first: number; last: number }> {
    const greeter = ctx.activities(Greeter);
    const results = await ctx.all(Array.from({ length: count }, (_, i) => greeter.double(i)));
    return { sum: results.reduce((a, b) => a + b, 0), first: results[0]!, last: results[results.length - 1]! };
  }
}

@Orchestrator()
export class CatchesFailure {
  async run(ctx: OrchestrationContext, why: string): Promise<string> {
    try {
      await ctx.activities(Greeter).explode(why);
      return 'no error';
    } catch (error) {
      if (error instanceof ActivityFailedError) return `caught ${error.remoteName} from ${error.activityName}: ${error.remoteMessage}`;
      return `caught something else: ${String(error)}`;
    }
  }
}

@Orchestrator()
export class Fails {
  async run(_ctx: OrchestrationContext, why: string): Promise<string> {
    throw new TypeError(`orchestrator broke: ${why}`);
  }
}

@Orchestrator()
export class Approval {
  async run(ctx: OrchestrationContext, manager: string): Promise<string> {
    ctx.setCustomStatus({ waitingFor: manager });
    const approved = ctx.waitForExternalEvent<{ by: string }>('Approved');
    const timeout = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 72 * HOUR));
    const winner = await ctx.any([approved, timeout]);
    if (winner === approved) {
      timeout.cancel();
      ctx.setCustomStatus({ decided: 'approved' });
      return `approved by ${approved.result!.by}`;
    }
    ctx.setCustomStatus({ decided: 'escalated' });
    return ctx.activities(Greeter).escalate('director');
  }
}

@Orchestrator()
export class WaitsForGo {
  async run(ctx: OrchestrationContext, label: string): Promise<string> {
    // Counts executions of run(), replays included: a live instance is not replayed per event.
    counted(`run:${label}`);
    const first = await ctx.activities(Greeter).sayHello(label);
    const go = await ctx.waitForExternalEvent<string>('Go');
    const second = await ctx.activities(Greeter).sayHello(`${label}-${go}`);
    return `${first} ${second}`;
  }
}

@Orchestrator()
export class SignalsJournal {
  async run(ctx: OrchestrationContext, line: string): Promise<string> {
    ctx.signalEntity({ name: 'Journal', key: 'from-orchestration' }, 'append', line);
    return 'signalled';
  }
}

@Orchestrator()
export class CallsJournal {
  async run(ctx: OrchestrationContext): Promise<unknown> {
    return ctx.callEntity({ name: 'Journal', key: 'called' }, 'read');
  }
}

export const ORCHESTRATORS = [HelloSequence, FanOutFanIn, CatchesFailure, Fails, Approval, WaitsForGo, SignalsJournal, CallsJournal];
export const ACTIVITIES = [Greeter];
/** Entities the orchestration suites need. */
export const ORCHESTRATION_ENTITIES = [Journal];
