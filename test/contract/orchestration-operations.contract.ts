import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OrchestrationStillRunningError, type DurableApp, type OrchestrationStatus } from '../../src/index';
import { eventually } from '../helpers';
import type { ContractStore, EngineHarness } from './harness';
import {
  Countdown,
  HoldsVault,
  OPERATIONS_ACTIVITIES,
  OPERATIONS_ENTITIES,
  OPERATIONS_ORCHESTRATORS,
  Parent,
  Vault,
  WaitsForGo,
  attempts,
} from './orchestration-operations.fixtures';

/** Rejects when `promise` has not settled within `ms`, so a call stuck behind a leaked lock fails the test instead of hanging it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Operations on instances: purge rules, continueAsNew loops, purge by filter, restart, rewind. */
export function orchestrationOperationsContract(harness: EngineHarness): void {
  describe(`orchestration operations [${harness.name}]`, () => {
    let store: ContractStore;
    beforeEach(async () => {
      store = await harness.newStore();
    });
    afterEach(async () => {
      await store.dispose();
      attempts.clear();
    });

    function open(): Promise<DurableApp> {
      return store.open({ entities: OPERATIONS_ENTITIES, orchestrators: OPERATIONS_ORCHESTRATORS, activities: OPERATIONS_ACTIVITIES });
    }

    describe('purging an instance that has not ended', () => {
      test('is refused while it holds an entity lock; after terminate, purge deletes it and the entity is free', async () => {
        const app = await open();
        const holder = await app.client.startNew(HoldsVault, 'locked', { instanceId: 'holder' });
        await eventually(async () => (await app.client.entity(Vault, 'locked').read()).entityState?.balance === 1);

        const refused = await app.client.purgeInstanceHistory('holder').catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(OrchestrationStillRunningError);
        expect(refused).toMatchObject({ instanceId: 'holder', runtimeStatus: 'Running', code: 'JETSTATE_ORCHESTRATION_STILL_RUNNING' });
        expect((refused as Error).message).toMatch(/terminate/i);
        await expect(holder.purge()).rejects.toBeInstanceOf(OrchestrationStillRunningError);
        expect((await holder.status()).runtimeStatus).toBe('Running');

        await holder.terminate('cleanup');
        expect((await holder.waitForCompletion({ timeout: 10_000 })).runtimeStatus).toBe('Terminated');
        expect(await app.client.purgeInstanceHistory('holder')).toEqual({ instancesDeleted: 1 });
        expect(await app.client.getStatus('holder')).toBeUndefined();
        await app.client.entity(Vault, 'locked').signal.deposit(10);
        expect(await within(app.client.entity(Vault, 'locked').call.get(), 10_000, 'Vault/locked')).toBe(11);
      });

      test('a suspended instance is refused too', async () => {
        const app = await open();
        const waiting = await app.client.startNew(WaitsForGo, undefined, { instanceId: 'paused' });
        await waiting.suspend('maintenance');
        await eventually(async () => (await waiting.status()).runtimeStatus === 'Suspended');
        const refused = await waiting.purge().catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(OrchestrationStillRunningError);
        expect((refused as OrchestrationStillRunningError).runtimeStatus).toBe('Suspended');
        expect((await waiting.status()).runtimeStatus).toBe('Suspended');
      });

      test('a running child is refused, so its parent is not left waiting; terminating the child ends the parent', async () => {
        const app = await open();
        const parent = await app.client.startNew(Parent, 'the-child', { instanceId: 'the-parent' });
        await eventually(async () => (await app.client.getStatus('the-child'))?.runtimeStatus === 'Running');
        await expect(app.client.purgeInstanceHistory('the-child')).rejects.toBeInstanceOf(OrchestrationStillRunningError);
        expect((await app.client.getStatus('the-child'))?.parentInstanceId).toBe('the-parent');

        await app.client.terminate('the-child', 'not needed');
        expect(await parent.result({ timeout: 10_000 })).toMatch(/^child failed: .*not needed/);
        expect(await app.client.purgeInstanceHistory('the-child')).toEqual({ instancesDeleted: 1 });
        expect(await app.client.purgeInstanceHistory('the-parent')).toEqual({ instancesDeleted: 1 });
      });

      test('an unknown id deletes nothing and answers instancesDeleted: 0', async () => {
        const app = await open();
        expect(await app.client.purgeInstanceHistory('never-started')).toEqual({ instancesDeleted: 0 });
        expect(await app.client.getStatus('never-started')).toBeUndefined();
      });
    });

    describe('continueAsNew', () => {
      test('a tight loop of 2,500 continuations runs to the end; events raised meanwhile are accepted; no status is stuck at ContinuedAsNew', async () => {
        const app = await open();
        const seen: OrchestrationStatus[] = [];
        const handle = await app.client.startNew(Countdown, { left: 2500, total: 0, waitAt: 1000 }, { instanceId: 'countdown' });
        const subscription = handle.status$.subscribe((s) => seen.push(s));
        try {
          await handle.raiseEvent('go', 'early');
          const final = await handle.waitForCompletion({ timeout: 60_000 });
          expect(final.runtimeStatus).toBe('Completed');
          expect(final.output).toEqual({ total: (2500 * 2501) / 2, got: 'early' });
          expect(seen.map((s) => s.runtimeStatus)).not.toContain('ContinuedAsNew');
        } finally {
          subscription.unsubscribe();
        }
      }, 90_000);

      test('a loop that waits half way takes the event raised then, and its status is Running meanwhile', async () => {
        const app = await open();
        const handle = await app.client.startNew(Countdown, { left: 1500, total: 0, waitAt: 200 }, { instanceId: 'countdown-wait' });
        await eventually(async () => ((await handle.status()).customStatus as { waitingAt?: number } | undefined)?.waitingAt === 200, 30_000);
        expect((await handle.status()).runtimeStatus).toBe('Running');
        await handle.raiseEvent('go', 'late');
        expect(await handle.result({ timeout: 30_000 })).toEqual({ total: (1500 * 1501) / 2, got: 'late' });
      }, 60_000);
    });
  });
}
