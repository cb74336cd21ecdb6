import { describe, expect, test } from 'vitest';
import { Activity, Orchestrator } from '../../../decorators';
import { InvalidOptionsError, NonDeterminismError } from '../../../src/errors';
import type { HistoryEvent } from '../../../src/runtime/orchestration/history-events';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { replayHistory } from '../../../src/runtime/orchestration/replay-history';
import { Driver, completed, executorFor, failed, raised, withoutMarkers } from './replay-harness';

class Shipping {
  @Activity() pack(order: string): string {
    return `packed ${order}`;
  }
  @Activity() insure(order: string): string {
    return `insured ${order}`;
  }
  @Activity() ship(order: string): string {
    return `shipped ${order}`;
  }
}

/** Version 1: pack, wait for 'paid', ship. */
@Orchestrator('Fulfilment')
class FulfilmentV1 {
  async run(ctx: OrchestrationContext, order: string): Promise<string[]> {
    const steps = ctx.activities(Shipping);
    const packed = await steps.pack(order);
    await ctx.waitForExternalEvent('paid');
    return [packed, await steps.ship(order)];
  }
}

/** Version 2: insures between payment and shipping, behind a patch. */
@Orchestrator('Fulfilment')
class FulfilmentV2 {
  async run(ctx: OrchestrationContext, order: string): Promise<string[]> {
    const steps = ctx.activities(Shipping);
    const packed = await steps.pack(order);
    await ctx.waitForExternalEvent('paid');
    const done = [packed];
    if (ctx.patched('insure')) done.push(await steps.insure(order));
    done.push(await steps.ship(order));
    return done;
  }
}

/** Version 2 without the patch: breaks instances started under version 1. */
@Orchestrator('Fulfilment')
class FulfilmentV2Unpatched {
  async run(ctx: OrchestrationContext, order: string): Promise<string[]> {
    const steps = ctx.activities(Shipping);
    const packed = await steps.pack(order);
    await ctx.waitForExternalEvent('paid');
    return [packed, await steps.insure(order), await steps.ship(order)];
  }
}

/** Version 3: the old branch is gone; the marker is still recorded. */
@Orchestrator('Fulfilment')
class FulfilmentV3 {
  async run(ctx: OrchestrationContext, order: string): Promise<string[]> {
    const steps = ctx.activities(Shipping);
    const packed = await steps.pack(order);
    await ctx.waitForExternalEvent('paid');
    ctx.deprecatePatch('insure');
    return [packed, await steps.insure(order), await steps.ship(order)];
  }
}

/** Same calls as version 1, different output. */
@Orchestrator('Fulfilment')
class FulfilmentOtherOutput {
  async run(ctx: OrchestrationContext, order: string): Promise<string> {
    const steps = ctx.activities(Shipping);
    await steps.pack(order);
    await ctx.waitForExternalEvent('paid');
    return steps.ship(order);
  }
}

const PAST: Record<string, string> = { 'Shipping.pack': 'packed', 'Shipping.insure': 'insured', 'Shipping.ship': 'shipped' };

/** Runs `version` live through a whole order and returns its history (with the outcome). */
async function recordWith(version: Function, untilPaid = false): Promise<HistoryEvent[]> {
  const driver = new Driver(executorFor({ orchestrators: [version], activities: [Shipping] }));
  await driver.start('Fulfilment', 'o-1');
  await driver.send([completed(0, 'packed o-1')]);
  if (untilPaid) return driver.history;
  let turn = await driver.send([raised('paid')]);
  while (turn.status === 'Running') {
    const scheduled = turn.newHistory.find((e) => e.kind === 'TaskScheduled');
    if (!scheduled || scheduled.kind !== 'TaskScheduled') break;
    turn = await driver.send([completed(scheduled.seq, `${PAST[scheduled.name]} o-1`)]);
  }
  return driver.history;
}

async function replayError(version: Function, history: HistoryEvent[]): Promise<unknown> {
  return replayHistory(version as never, history).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('replayHistory', () => {
  test('a completed history replays against the code that recorded it, outcome included', async () => {
    const history = await recordWith(FulfilmentV1);
    expect(history.at(-1)).toEqual({ kind: 'ExecutionCompleted', result: ['packed o-1', 'shipped o-1'] });
    await expect(replayHistory(FulfilmentV1, history)).resolves.toBeUndefined();
    // A status read with showHistory works as well.
    await expect(replayHistory(FulfilmentV1, { instanceId: 'o-1', history })).resolves.toBeUndefined();
  });

  test('code that makes a different call fails with a NonDeterminismError naming the step', async () => {
    const error = await replayError(FulfilmentV2Unpatched, await recordWith(FulfilmentV1));
    expect(error).toBeInstanceOf(NonDeterminismError);
    // Step 1 is the wait for 'paid'.
    expect((error as NonDeterminismError).step).toBe(2);
    expect((error as Error).message).toMatch(
      /at step 2: the history has TaskScheduled 'Shipping.ship' there, but the code now does TaskScheduled 'Shipping.insure'/,
    );
  });

  test('code that ends differently fails: another output is named', async () => {
    const error = await replayError(FulfilmentOtherOutput, await recordWith(FulfilmentV1));
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect((error as Error).message).toMatch(/ExecutionCompleted \["packed o-1","shipped o-1"\].*ExecutionCompleted "shipped o-1"/);
  });

  test('a running history and a failed one replay too; a history of another orchestrator is refused', async () => {
    await expect(replayHistory(FulfilmentV1, await recordWith(FulfilmentV1, true))).resolves.toBeUndefined();
    const driver = new Driver(executorFor({ orchestrators: [FulfilmentV1], activities: [Shipping] }));
    await driver.start('Fulfilment', 'o-2');
    const end = await driver.send([failed(0, 'Error', 'no stock')]);
    expect(end.status).toBe('Failed');
    await expect(replayHistory(FulfilmentV1, driver.history)).resolves.toBeUndefined();
    @Orchestrator('Other')
    class Other {
      async run(): Promise<void> {}
    }
    await expect(replayHistory(Other, driver.history)).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});

describe('versioning with ctx.patched', () => {
  test('histories recorded by version 1 replay with version 2, which keeps the old branch for them', async () => {
    const v1Done = await recordWith(FulfilmentV1);
    const v1Waiting = await recordWith(FulfilmentV1, true);
    await expect(replayHistory(FulfilmentV2, v1Done)).resolves.toBeUndefined();
    await expect(replayHistory(FulfilmentV2, v1Waiting)).resolves.toBeUndefined();
  });

  test('an instance started under version 1 and continued by version 2 takes the new branch only where it runs live', async () => {
    const v1Waiting = await recordWith(FulfilmentV1, true);
    const driver = new Driver(executorFor({ orchestrators: [FulfilmentV2], activities: [Shipping] }));
    driver.history.push(...v1Waiting);
    const paid = await driver.send([raised('paid')]);
    // The payment arrives live under version 2: the patch is taken and recorded.
    expect(withoutMarkers(paid.newHistory).map((e) => e.kind)).toEqual(['EventRaised', 'PatchApplied', 'TaskScheduled']);
    expect(paid.newHistory.find((e) => e.kind === 'TaskScheduled')).toMatchObject({ name: 'Shipping.insure' });
    await expect(replayHistory(FulfilmentV2, driver.history)).resolves.toBeUndefined();
    // Version 1 cannot replay what version 2 recorded.
    expect(await replayError(FulfilmentV1, driver.history)).toBeInstanceOf(NonDeterminismError);
  });

  test('histories of version 2 replay with version 3 (deprecatePatch); those of version 1 no longer do', async () => {
    const v2Done = await recordWith(FulfilmentV2);
    expect(v2Done.filter((e) => e.kind === 'PatchApplied')).toEqual([{ kind: 'PatchApplied', patchId: 'insure' }]);
    expect(v2Done.at(-1)).toEqual({ kind: 'ExecutionCompleted', result: ['packed o-1', 'insured o-1', 'shipped o-1'] });
    await expect(replayHistory(FulfilmentV3, v2Done)).resolves.toBeUndefined();
    // Version 3 records the marker, so version 2 can still replay its histories (a rollback is safe).
    const v3Done = await recordWith(FulfilmentV3);
    expect(v3Done.filter((e) => e.kind === 'PatchApplied')).toHaveLength(1);
    await expect(replayHistory(FulfilmentV2, v3Done)).resolves.toBeUndefined();
    expect(await replayError(FulfilmentV3, await recordWith(FulfilmentV1))).toBeInstanceOf(NonDeterminismError);
  });
});
