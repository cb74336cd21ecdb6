import { describe, expect, test } from 'vitest';
import { Orchestrator } from '../../../decorators';
import { CONTINUATIONS_PER_OPERATION, runTurnChain } from '../../../src/runtime/orchestration/continue-as-new-chain';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { executionStarted } from '../../../src/runtime/orchestration/orchestration-ids';
import { T0, executorFor, raised } from './replay-harness';

/** Continues as new until `round` reaches `until`, sending a timer each round. */
@Orchestrator()
class Rounds {
  async run(ctx: OrchestrationContext, input: { round: number; until: number }): Promise<number> {
    if (input.round >= input.until) return input.round;
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime()));
    ctx.continueAsNew({ round: input.round + 1, until: input.until }, { preserveUnprocessedEvents: true });
    return -1;
  }
}

const executor = () => executorFor({ orchestrators: [Rounds] });
const start = (until: number) => executionStarted({ name: 'Rounds', input: { round: 0, until }, executionId: 'exec-0' });

describe('runTurnChain', () => {
  test('a turn that does not continue as new is the whole chain', async () => {
    const e = executor();
    const chain = await runTurnChain(e, await e.restore('i1', []), [start(0)], T0);
    expect(chain.last).toBe(chain.first);
    expect(chain.restarted).toBeUndefined();
    expect(chain.continuation).toBeUndefined();
    expect(chain.changed).toBe(true);
    expect(chain.history).toEqual(chain.first.newHistory);
    expect(chain.last.status).toBe('Completed');
    expect(chain.last.output).toBe(0);
  });

  test('a turn that changes nothing leaves the chain unchanged', async () => {
    const e = executor();
    const live = await e.restore('i1', []);
    await e.advance(live, [start(5)], T0);
    const chain = await runTurnChain(e, live, [start(5)], T0 + 1);
    expect(chain.changed).toBe(false);
    expect(chain.history).toEqual([]);
    expect(chain.actions).toEqual([]);
  });

  test('each continuation runs in the same chain; the history is that of the last execution, the actions those of every turn', async () => {
    const e = executor();
    const live = await e.restore('i1', []);
    await e.advance(live, [start(3)], T0);
    const fired = { kind: 'TimerFired', seq: 0, executionId: 'exec-0', fireAt: T0 } as const;
    const chain = await runTurnChain(e, live, [fired, raised('Carried', 'x')], T0 + 1);
    expect(chain.first.status).toBe('ContinuedAsNew');
    expect(chain.restarted).toMatchObject({ kind: 'ExecutionStarted', input: { round: 1, until: 3 }, generation: 1 });
    expect(chain.last.status).toBe('Running');
    expect(chain.live).not.toBe(live);
    expect(chain.live.state.started?.executionId).toBe(chain.restarted!.executionId);
    expect(chain.history.filter((e) => e.kind === 'ExecutionStarted')).toEqual([chain.restarted]);
    // The unprocessed event was carried into the new execution.
    expect(chain.history).toContainEqual({ kind: 'EventRaised', name: 'Carried', input: 'x' });
    expect(chain.actions.map((a) => [a.kind, a.executionId])).toEqual([['createTimer', chain.restarted!.executionId]]);
    expect(chain.changed).toBe(true);
    expect(chain.continuation).toBeUndefined();
  });

  test(`after ${CONTINUATIONS_PER_OPERATION} continuations the chain stops and leaves the next execution to a message`, async () => {
    /** Continues as new right away, forever. */
    @Orchestrator()
    class Forever {
      async run(ctx: OrchestrationContext, round: number): Promise<void> {
        ctx.continueAsNew(round + 1);
      }
    }
    const e = executorFor({ orchestrators: [Forever] });
    const chain = await runTurnChain(e, await e.restore('i1', []), [executionStarted({ name: 'Forever', input: 0, executionId: 'exec-0' })], T0);
    const next = chain.restarted!;
    expect(next).toMatchObject({ input: CONTINUATIONS_PER_OPERATION + 1, generation: CONTINUATIONS_PER_OPERATION + 1 });
    expect(chain.history).toEqual([]);
    expect(chain.continuation).toEqual({
      id: `${next.executionId}>continue`,
      target: { name: '$orchestration', key: 'i1' },
      operation: 'deliver',
      kind: 'signal',
      input: { events: [next] },
    });
    expect(chain.last.status).toBe('ContinuedAsNew');
    expect(chain.live.state.started?.input).toBe(CONTINUATIONS_PER_OPERATION);
  });
});
