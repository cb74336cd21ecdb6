import 'reflect-metadata';
import { Activity, Entity, Operation, Orchestrator, SubOrchestrationFailedError, type OrchestrationContext } from '../../src/index';

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
    ctx.continueAsNew({ ...input, left: input.left - 1, total: input.total + input.left, ...(got === undefined ? {} : { got }) }, { preserveUnprocessedEvents: true });
    return { total: -1 };
  }
}

export const OPERATIONS_ENTITIES = [Vault];
export const OPERATIONS_ORCHESTRATORS = [HoldsVault, WaitsForGo, Parent, Countdown];
export const OPERATIONS_ACTIVITIES = [Steps];
