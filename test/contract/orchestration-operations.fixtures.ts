import 'reflect-metadata';
import {
  Activity,
  Entity,
  Operation,
  Orchestrator,
  SubOrchestrationFailedError,
  TimeoutError,
  activityContext,
  type OrchestrationContext,
} from '../../src/index';

/** What `activityContext()` showed to each attempt, by label. */
export const contexts = new Map<string, { instanceId: string; activityName: string; attempt: number; taskId: string; aborted: boolean }[]>();

/** How often each activity ran in this process, by label. */
export const attempts = new Map<string, number>();

/** An account whose balance the lock tests read and change. */
@Entity()
export class Vault {
  balance = 0;
  @Operation() deposit(amount: number): void {
    this.balance += amount;
  }
  @Operation() get(): number {
    return this.balance;
  }
}

export class Steps {
  @Activity()
  echo(label: string): string {
    attempts.set(label, (attempts.get(label) ?? 0) + 1);
    return `echo ${label}`;
  }

  /** Fails until `failUntil` attempts have been made for the label. */
  @Activity()
  flaky(request: { label: string; failUntil: number }): string {
    const attempt = (attempts.get(request.label) ?? 0) + 1;
    attempts.set(request.label, attempt);
    if (attempt <= request.failUntil) throw new Error(`flaky ${request.label} failed on attempt ${attempt}`);
    return `${request.label} ok on attempt ${attempt}`;
  }

  /** Records its context; hangs on its first attempt until the signal aborts it. */
  @Activity()
  async introspect(label: string): Promise<string> {
    const context = activityContext();
    const seen = { instanceId: context.instanceId, activityName: context.activityName, attempt: context.attempt, taskId: context.taskId, aborted: false };
    contexts.set(label, [...(contexts.get(label) ?? []), seen]);
    if (context.attempt > 1) return `${label} done on attempt ${context.attempt}`;
    await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
    seen.aborted = context.signal.aborted;
    return 'too late';
  }
}

/** Locks the vault named by its input, deposits 1, and holds the lock until 'release'. */
@Orchestrator()
export class HoldsVault {
  async run(ctx: OrchestrationContext, key: string): Promise<number> {
    const vault = ctx.entity(Vault, key);
    return ctx.lock([vault], async () => {
      await vault.call.deposit(1);
      await ctx.waitForExternalEvent<void>('release');
      return vault.call.get();
    });
  }
}

/** Waits for 'go' and answers with its data. */
@Orchestrator()
export class WaitsForGo {
  async run(ctx: OrchestrationContext): Promise<string> {
    return `got ${await ctx.waitForExternalEvent<string>('go')}`;
  }
}

/** Starts `WaitsForGo` as a child with the id it is given and reports how the child ended. */
@Orchestrator()
export class Parent {
  async run(ctx: OrchestrationContext, childId: string): Promise<string> {
    try {
      return `child said: ${await ctx.callSubOrchestrator(WaitsForGo, undefined, { instanceId: childId })}`;
    } catch (error) {
      return error instanceof SubOrchestrationFailedError ? `child failed: ${error.message}` : `unexpected ${String(error)}`;
    }
  }
}

export interface CountdownInput {
  readonly left: number;
  readonly total: number;
  /** When `left` reaches this value, wait for the event 'go' once. */
  readonly waitAt?: number;
  readonly got?: string;
}

/** Loops with continueAsNew, once per unit of `left`, with no durable call in between. */
@Orchestrator()
export class Countdown {
  async run(ctx: OrchestrationContext, input: CountdownInput): Promise<{ total: number; got?: string }> {
    if (input.left === 0) return { total: input.total, ...(input.got === undefined ? {} : { got: input.got }) };
    let got = input.got;
    if (input.left === input.waitAt) {
      ctx.setCustomStatus({ waitingAt: input.left });
      got = await ctx.waitForExternalEvent<string>('go');
    }
    ctx.continueAsNew(
      { ...input, left: input.left - 1, total: input.total + input.left, ...(got === undefined ? {} : { got }) },
      { preserveUnprocessedEvents: true },
    );
    return { total: -1 };
  }
}

export interface FlakyInput {
  readonly label: string;
  readonly failUntil: number;
}

/** Runs `echo`, then `flaky` (which fails its first `failUntil` attempts), with no retry policy. */
@Orchestrator()
export class FlakyChain {
  async run(ctx: OrchestrationContext, input: FlakyInput): Promise<string[]> {
    const steps = ctx.activities(Steps);
    const first = await steps.echo(`${input.label}-first`);
    const second = await steps.flaky(input);
    return [first, second];
  }
}

/** Two flaky activities in parallel and a timer: all three must be waited for again after a rewind. */
@Orchestrator()
export class FlakyFanOut {
  async run(ctx: OrchestrationContext, label: string): Promise<string[]> {
    const steps = ctx.activities(Steps);
    const timer = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 50));
    const results = await ctx.all([steps.flaky({ label: `${label}-a`, failUntil: 1 }), steps.flaky({ label: `${label}-b`, failUntil: 1 })]);
    await timer;
    return results;
  }
}

/** Runs `FlakyChain` as a child and does not catch its failure. */
@Orchestrator()
export class FlakyParent {
  async run(ctx: OrchestrationContext, input: FlakyInput): Promise<string> {
    const child = await ctx.callSubOrchestrator(FlakyChain, input, { instanceId: `${ctx.instanceId}-child` });
    return `parent got ${child.join(' + ')}`;
  }
}

/** Throws in its own code: there is nothing a rewind could retry. */
@Orchestrator()
export class Breaks {
  async run(_ctx: OrchestrationContext, why: string): Promise<string> {
    throw new RangeError(`broken: ${why}`);
  }
}

/** Echoes its input through an activity. */
@Orchestrator()
export class Echo {
  async run(ctx: OrchestrationContext, label: string): Promise<string> {
    return ctx.activities(Steps).echo(label);
  }
}

/** Sends the event 'go' to the instance named by its input. */
@Orchestrator()
export class SendsGo {
  async run(ctx: OrchestrationContext, target: string): Promise<string> {
    ctx.sendEvent(target, 'go', `from ${ctx.instanceId}`);
    return 'sent';
  }
}

/** Waits an hour at most for 'answer'. */
@Orchestrator()
export class AsksWithDeadline {
  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      return `answered ${await ctx.waitForExternalEvent<string>('answer', { timeout: 3_600_000 })}`;
    } catch (error) {
      if (error instanceof TimeoutError) return 'no answer within the hour';
      throw error;
    }
  }
}

/** Calls `introspect` with a 100 ms start-to-close timeout and one retry. */
@Orchestrator()
export class TimesOut {
  async run(ctx: OrchestrationContext, label: string): Promise<string> {
    return ctx.activities(Steps, { startToCloseTimeout: 100, retry: { maxNumberOfAttempts: 2, firstRetryInterval: 10 } }).introspect(label);
  }
}

/** Calls `introspect` with a 100 ms heartbeat timeout (it never heartbeats) and one retry. */
@Orchestrator()
export class FallsSilent {
  async run(ctx: OrchestrationContext, label: string): Promise<string> {
    return ctx.activities(Steps, { heartbeatTimeout: 100, retry: { maxNumberOfAttempts: 2, firstRetryInterval: 10 } }).introspect(label);
  }
}

/** Calls `introspect` with a 100 ms start-to-close timeout and no retry. */
@Orchestrator()
export class TimesOutOnce {
  async run(ctx: OrchestrationContext, label: string): Promise<string> {
    return ctx.activities(Steps, { startToCloseTimeout: 100 }).introspect(label);
  }
}

/** Deployed first: echo, wait for 'go', echo. */
@Orchestrator('Deployed')
export class DeployedV1 {
  async run(ctx: OrchestrationContext, label: string): Promise<string[]> {
    const steps = ctx.activities(Steps);
    const first = await steps.echo(`${label}-1`);
    await ctx.waitForExternalEvent('go');
    return [first, await steps.echo(`${label}-2`)];
  }
}

/** Deployed second: an extra step after 'go', behind a patch. */
@Orchestrator('Deployed')
export class DeployedV2 {
  async run(ctx: OrchestrationContext, label: string): Promise<string[]> {
    const steps = ctx.activities(Steps);
    const first = await steps.echo(`${label}-1`);
    const go = ctx.waitForExternalEvent('go');
    const before = ctx.patched('check-before-go') ? [await steps.echo(`${label}-check`)] : [];
    await go;
    return [first, ...before, await steps.echo(`${label}-2`)];
  }
}

export const OPERATIONS_ENTITIES = [Vault];
export const OPERATIONS_ORCHESTRATORS = [
  HoldsVault,
  WaitsForGo,
  Parent,
  Countdown,
  FlakyChain,
  FlakyFanOut,
  FlakyParent,
  Breaks,
  Echo,
  SendsGo,
  AsksWithDeadline,
  TimesOut,
  TimesOutOnce,
  FallsSilent,
];
export const OPERATIONS_ACTIVITIES = [Steps];
