import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  InvalidOptionsError,
  ManualClock,
  OrchestrationNotFailedError,
  OrchestrationNotFoundError,
  OrchestrationStillRunningError,
  replayHistory,
  type DurableApp,
  type OrchestrationStatus,
} from '../../src/index';
import type { Engine } from '../../src/engine/engine';
import type { LockRequest } from '../../src/runtime/entity-locks';
import { eventually } from '../eventually';
import type { ContractStore, EngineHarness } from './harness';
import {
  AsksWithDeadline,
  DeployedV1,
  DeployedV2,
  Breaks,
  Countdown,
  Echo,
  FlakyChain,
  FlakyFanOut,
  FlakyParent,
  HoldsVault,
  OPERATIONS_ACTIVITIES,
  OPERATIONS_ENTITIES,
  OPERATIONS_ORCHESTRATORS,
  Parent,
  SendsGo,
  TimesOut,
  TimesOutOnce,
  FallsSilent,
  Vault,
  WaitsForGo,
  attempts,
  contexts,
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
      contexts.clear();
    });

    function open(clock?: ManualClock, orchestrators: readonly Function[] = OPERATIONS_ORCHESTRATORS): Promise<DurableApp> {
      return store.open({ entities: OPERATIONS_ENTITIES, orchestrators: [...orchestrators], activities: OPERATIONS_ACTIVITIES, ...(clock ? { clock } : {}) });
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

    describe('purgeInstances by filter', () => {
      test('deletes only ended instances that match the statuses and creation times; running ones stay', async () => {
        const app = await open();
        for (const label of ['c1', 'c2', 'c3']) await (await app.client.startNew(Echo, label, { instanceId: `done-${label}` })).result({ timeout: 10_000 });
        await (await app.client.startNew(Breaks, 'x', { instanceId: 'failed-1' })).waitForCompletion({ timeout: 10_000 });
        const terminated = await app.client.startNew(WaitsForGo, undefined, { instanceId: 'terminated-1' });
        await terminated.terminate('stop');
        await terminated.waitForCompletion({ timeout: 10_000 });
        await app.client.startNew(WaitsForGo, undefined, { instanceId: 'running-1' });

        await expect(app.client.purgeInstances({ runtimeStatus: ['Running'] })).rejects.toBeInstanceOf(InvalidOptionsError);
        expect(await app.client.purgeInstances({ runtimeStatus: ['Completed'], createdTimeFrom: new Date(Date.now() + 3_600_000) })).toEqual({
          instancesDeleted: 0,
        });
        expect(await app.client.purgeInstances({ runtimeStatus: ['Completed'], createdTimeTo: new Date(Date.now() + 3_600_000) })).toEqual({
          instancesDeleted: 3,
        });
        expect(await app.client.getStatus('done-c1')).toBeUndefined();
        expect((await app.client.getStatus('failed-1'))?.runtimeStatus).toBe('Failed');
        expect(await app.client.purgeInstances()).toEqual({ instancesDeleted: 2 });
        const left = await app.client.listInstances();
        expect(left.instances.map((s) => `${s.instanceId}:${s.runtimeStatus}`)).toEqual(['running-1:Running']);
      });

      test('the creation time bounds are inclusive ranges of createdTime', async () => {
        const app = await open();
        await (await app.client.startNew(Echo, 'old', { instanceId: 'old' })).result({ timeout: 10_000 });
        await new Promise((r) => setTimeout(r, 30));
        const cut = new Date();
        await new Promise((r) => setTimeout(r, 30));
        await (await app.client.startNew(Echo, 'new', { instanceId: 'new' })).result({ timeout: 10_000 });
        expect(await app.client.purgeInstances({ createdTimeTo: cut })).toEqual({ instancesDeleted: 1 });
        expect(await app.client.getStatus('old')).toBeUndefined();
        expect(await app.client.purgeInstances({ createdTimeFrom: cut })).toEqual({ instancesDeleted: 1 });
        expect(await app.client.getStatus('new')).toBeUndefined();
      });
    });

    describe('restart', () => {
      test('runs an ended instance again with the same input, under its own id or a new one', async () => {
        const app = await open();
        const first = await app.client.startNew(Echo, 'again', { instanceId: 'echo-1' });
        expect(await first.result({ timeout: 10_000 })).toBe('echo again');
        const createdBefore = (await first.status()).createdTime.getTime();

        const same = await first.restart();
        expect(same.instanceId).toBe('echo-1');
        expect(await same.result({ timeout: 10_000 })).toBe('echo again');
        expect(attempts.get('again')).toBe(2);
        expect((await same.status()).createdTime.getTime()).toBeGreaterThanOrEqual(createdBefore);

        const copy = await app.client.restart('echo-1', { newInstanceId: 'echo-2' });
        expect(copy.instanceId).toBe('echo-2');
        expect(await copy.result({ timeout: 10_000 })).toBe('echo again');
        expect((await copy.status()).input).toBe('again');
        expect((await app.client.getStatus('echo-1'))?.runtimeStatus).toBe('Completed');
      });

      test('is refused for a running instance and an unknown id; a failed or terminated one restarts', async () => {
        const app = await open();
        const waiting = await app.client.startNew(WaitsForGo, undefined, { instanceId: 'w-1' });
        const refused = await waiting.restart().catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(OrchestrationStillRunningError);
        expect((refused as OrchestrationStillRunningError).runtimeStatus).toBe('Running');
        await expect(app.client.restart('nobody')).rejects.toBeInstanceOf(OrchestrationNotFoundError);
        await waiting.terminate('enough');
        await waiting.waitForCompletion({ timeout: 10_000 });
        const again = await waiting.restart();
        await again.raiseEvent('go', 'after restart');
        expect(await again.result({ timeout: 10_000 })).toBe('got after restart');

        const failed = await app.client.startNew(FlakyChain, { label: 'r', failUntil: 1 }, { instanceId: 'flaky-restart' });
        expect((await failed.waitForCompletion({ timeout: 10_000 })).runtimeStatus).toBe('Failed');
        const restarted = await failed.restart();
        expect(await restarted.result({ timeout: 10_000 })).toEqual(['echo r-first', 'r ok on attempt 2']);
        // A restart runs everything again, the steps that had succeeded included.
        expect(attempts.get('r-first')).toBe(2);
      });
    });

    describe('rewind', () => {
      test('retries a failed activity of a Failed instance and keeps the work done before it', async () => {
        const app = await open();
        const handle = await app.client.startNew(FlakyChain, { label: 'rw', failUntil: 1 }, { instanceId: 'rewind-1' });
        const failed = await handle.waitForCompletion({ timeout: 10_000 });
        expect(failed.runtimeStatus).toBe('Failed');
        expect(failed.failureDetails?.message).toMatch(/flaky rw failed on attempt 1/);

        await handle.rewind('fixed the flaky service');
        expect(await handle.result({ timeout: 10_000 })).toEqual(['echo rw-first', 'rw ok on attempt 2']);
        expect(attempts.get('rw-first')).toBe(1);
        expect(attempts.get('rw')).toBe(2);
        const status = await handle.status({ showHistory: true });
        expect(status.failureDetails).toBeUndefined();
        expect(status.history!.filter((e) => e.kind === 'TaskFailed')).toEqual([]);
      });

      test('waits again for every activity and timer whose answer was lost when it failed', async () => {
        const app = await open();
        const handle = await app.client.startNew(FlakyFanOut, 'fan', { instanceId: 'rewind-fan' });
        expect((await handle.waitForCompletion({ timeout: 10_000 })).runtimeStatus).toBe('Failed');
        await handle.rewind();
        expect(await handle.result({ timeout: 10_000 })).toEqual(['fan-a ok on attempt 2', 'fan-b ok on attempt 2']);
      });

      test('a failed sub-orchestration starts again and the parent completes', async () => {
        const app = await open();
        const parent = await app.client.startNew(FlakyParent, { label: 'kid', failUntil: 1 }, { instanceId: 'rewind-parent' });
        expect((await parent.waitForCompletion({ timeout: 10_000 })).runtimeStatus).toBe('Failed');
        expect((await app.client.getStatus('rewind-parent-child'))?.runtimeStatus).toBe('Failed');
        await parent.rewind();
        expect(await parent.result({ timeout: 10_000 })).toBe('parent got echo kid-first + kid ok on attempt 2');
        expect((await app.client.getStatus('rewind-parent-child'))?.runtimeStatus).toBe('Completed');
      });

      test('is refused for instances that did not fail, unknown ids, and failures with nothing to retry', async () => {
        const app = await open();
        const done = await app.client.startNew(Echo, 'fine', { instanceId: 'fine' });
        await done.result({ timeout: 10_000 });
        const notFailed = await done.rewind().catch((e: unknown) => e);
        expect(notFailed).toBeInstanceOf(OrchestrationNotFailedError);
        expect((notFailed as OrchestrationNotFailedError).runtimeStatus).toBe('Completed');
        const running = await app.client.startNew(WaitsForGo, undefined, { instanceId: 'still' });
        await expect(running.rewind()).rejects.toBeInstanceOf(OrchestrationStillRunningError);
        await expect(app.client.rewind('nobody')).rejects.toBeInstanceOf(OrchestrationNotFoundError);
        const broken = await app.client.startNew(Breaks, 'always', { instanceId: 'broken' });
        await broken.waitForCompletion({ timeout: 10_000 });
        const refused = await broken.rewind().catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(InvalidOptionsError);
        expect((refused as Error).message).toMatch(/restart it instead|does not replay/);
        expect((await broken.status()).runtimeStatus).toBe('Failed');
      });
    });

    describe('events between instances and deadlines', () => {
      test('ctx.sendEvent raises an event on another instance; sending to an unknown instance is dropped', async () => {
        const app = await open();
        const receiver = await app.client.startNew(WaitsForGo, undefined, { instanceId: 'receiver' });
        expect(await (await app.client.startNew(SendsGo, 'receiver', { instanceId: 'sender' })).result({ timeout: 10_000 })).toBe('sent');
        expect(await receiver.result({ timeout: 10_000 })).toBe('got from sender');
        expect(await (await app.client.startNew(SendsGo, 'nobody-here')).result({ timeout: 10_000 })).toBe('sent');
        await new Promise((r) => setTimeout(r, 100));
        expect(await app.client.getStatus('nobody-here')).toBeUndefined();
      });

      test('waitForExternalEvent with a timeout: the answer before the deadline wins; without one, the deadline fails the wait', async () => {
        const clock = new ManualClock(new Date('2026-05-01T08:00:00Z'));
        const app = await open(clock);
        const answered = await app.client.startNew(AsksWithDeadline, undefined, { instanceId: 'answered' });
        const silent = await app.client.startNew(AsksWithDeadline, undefined, { instanceId: 'silent' });
        await eventually(() => app.stats().scheduled === 2);
        await clock.advance(30 * 60_000);
        await answered.raiseEvent('answer', 'in time');
        expect(await answered.result({ timeout: 10_000 })).toBe('answered in time');
        expect((await silent.status()).runtimeStatus).toBe('Running');
        await clock.advance(30 * 60_000);
        expect(await silent.result({ timeout: 10_000 })).toBe('no answer within the hour');
        expect((await silent.status()).lastUpdatedTime.toISOString()).toBe('2026-05-01T09:00:00.000Z');
      });
    });

    describe('activity context and timeouts', () => {
      test('an attempt that outlives startToCloseTimeout is aborted and fails; the retry sees attempt 2 with a new task id', async () => {
        const app = await open();
        const handle = await app.client.startNew(TimesOut, 'ctx', { instanceId: 'times-out' });
        expect(await handle.result({ timeout: 20_000 })).toBe('ctx done on attempt 2');
        await eventually(() => contexts.get('ctx')?.[0]?.aborted === true);
        const [first, second] = contexts.get('ctx')!;
        expect(first).toMatchObject({ instanceId: 'times-out', activityName: 'Steps.introspect', attempt: 1, aborted: true });
        expect(second).toMatchObject({ instanceId: 'times-out', activityName: 'Steps.introspect', attempt: 2 });
        expect(first!.taskId).not.toBe(second!.taskId);
      });

      test('an attempt that sends no heartbeat within heartbeatTimeout is aborted and retried', async () => {
        const app = await open();
        const handle = await app.client.startNew(FallsSilent, 'silent');
        expect(await handle.result({ timeout: 20_000 })).toBe('silent done on attempt 2');
        expect(contexts.get('silent')?.map((c) => c.attempt)).toEqual([1, 2]);
        await eventually(() => contexts.get('silent')?.[0]?.aborted === true);
      });

      test('without a retry the TimeoutError fails the instance', async () => {
        const app = await open();
        const handle = await app.client.startNew(TimesOutOnce, 'once');
        const status = await handle.waitForCompletion({ timeout: 10_000 });
        expect(status.runtimeStatus).toBe('Failed');
        expect(status.failureDetails?.message).toMatch(/did not finish within its startToCloseTimeout of 100 ms/);
      });
    });

    describe('versioning across a deploy', () => {
      test('an instance started by version 1 finishes on its old branch under version 2; new instances take the patch; both histories replay', async () => {
        const v1 = await open(undefined, [DeployedV1]);
        const old = await v1.client.startNew(DeployedV1, 'old', { instanceId: 'deployed-old' });
        await eventually(async () => (await old.status({ showHistory: true })).history!.some((e) => e.kind === 'TaskCompleted'));
        await v1.stop();

        const v2 = await open(undefined, [DeployedV2]);
        await v2.client.raiseEvent('deployed-old', 'go');
        expect(await v2.client.getHandle('deployed-old').result({ timeout: 10_000 })).toEqual(['echo old-1', 'echo old-2']);
        const fresh = await v2.client.startNew(DeployedV2, 'new', { instanceId: 'deployed-new' });
        await eventually(() => attempts.get('new-check') === 1);
        await fresh.raiseEvent('go');
        expect(await fresh.result({ timeout: 10_000 })).toEqual(['echo new-1', 'echo new-check', 'echo new-2']);

        const oldStatus = await v2.client.getStatus('deployed-old', { showHistory: true });
        const newStatus = await v2.client.getStatus('deployed-new', { showHistory: true });
        await expect(replayHistory(DeployedV2, oldStatus!)).resolves.toBeUndefined();
        await expect(replayHistory(DeployedV2, newStatus!)).resolves.toBeUndefined();
        await expect(replayHistory(DeployedV1, newStatus!)).rejects.toThrow(/NonDeterminism|at step/);
      });
    });

    describe('cleanEntityStorage', () => {
      test('releases a lock whose owner no longer runs and keeps the locks of running instances', async () => {
        const app = await open();
        const holder = await app.client.startNew(HoldsVault, 'kept', { instanceId: 'keeper' });
        await eventually(async () => (await app.client.entity(Vault, 'kept').read()).entityState?.balance === 1);
        // A lock left by an instance that is gone (as a purge of a running instance used to leave):
        // the same $lock message an instance sends, from an owner no instance has.
        await app.client.entity(Vault, 'orphan').signal.deposit(1);
        const engine = (app as unknown as { engine: Engine }).engine;
        const lock: LockRequest = {
          owner: 'gone-instance',
          entities: [{ name: 'Vault', key: 'orphan' }],
          index: 0,
          grant: { target: { name: 'Vault', key: 'sink' }, operation: 'deposit', input: 0 },
        };
        await engine.send([{ id: 'test-orphan-lock', target: { name: 'Vault', key: 'orphan' }, operation: '$lock', kind: 'signal', input: lock }]);
        await eventually(async () => (await engine.readSnapshot({ name: 'Vault', key: 'orphan' }))?.lock?.owner === 'gone-instance');
        await app.client.entity(Vault, 'orphan').signal.deposit(5);
        await new Promise((r) => setTimeout(r, 100));
        expect((await app.client.entity(Vault, 'orphan').read()).entityState?.balance).toBe(1);

        expect(await app.client.cleanEntityStorage()).toEqual({ orphanedLocksReleased: 1 });
        expect(await within(app.client.entity(Vault, 'orphan').call.get(), 10_000, 'Vault/orphan')).toBe(6);
        expect((await engine.readSnapshot({ name: 'Vault', key: 'kept' }))?.lock?.owner).toBe('keeper');
        await holder.raiseEvent('release');
        expect(await holder.result({ timeout: 10_000 })).toBe(1);
        expect(await app.client.cleanEntityStorage()).toEqual({ orphanedLocksReleased: 0 });
      });
    });

    describe('instance retention', () => {
      test('ended instances are purged in the background once older than maxAgeMs; running ones stay', async () => {
        const app = await store.open({
          entities: OPERATIONS_ENTITIES,
          orchestrators: [...OPERATIONS_ORCHESTRATORS],
          activities: OPERATIONS_ACTIVITIES,
          instanceRetention: { maxAgeMs: 1_500, intervalMs: 100 },
        });
        await (await app.client.startNew(Echo, 'short-lived', { instanceId: 'short-lived' })).result({ timeout: 10_000 });
        await (await app.client.startNew(Breaks, 'x', { instanceId: 'failed-short' })).waitForCompletion({ timeout: 10_000 });
        const running = await app.client.startNew(WaitsForGo, undefined, { instanceId: 'long-running' });
        expect((await app.client.getStatus('short-lived'))?.runtimeStatus).toBe('Completed');
        await eventually(
          async () => (await app.client.getStatus('short-lived')) === undefined && (await app.client.getStatus('failed-short')) === undefined,
          15_000,
        );
        expect((await running.status()).runtimeStatus).toBe('Running');
      });

      test('invalid retention options are refused at create', async () => {
        await expect(store.create({ instanceRetention: { maxAgeMs: -1 } })).rejects.toBeInstanceOf(InvalidOptionsError);
      });
    });
  });
}
