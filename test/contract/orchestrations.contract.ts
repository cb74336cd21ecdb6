import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  ManualClock,
  OrchestrationAlreadyExistsError,
  OrchestrationFailedError,
  OrchestrationNotFoundError,
  OrchestrationNotRunningError,
  TimeoutError,
  UnknownOrchestratorError,
  type DurableApp,
  type OrchestrationStatus,
} from '../../src/index';
import { eventually } from '../eventually';
import { Journal } from './fixtures';
import type { ContractStore, EngineHarness } from './harness';
import {
  ACTIVITIES,
  Approval,
  CallsJournal,
  CatchesFailure,
  Fails,
  FanOutFanIn,
  HelloSequence,
  HOUR,
  ORCHESTRATION_ENTITIES,
  ORCHESTRATORS,
  SignalsJournal,
  WaitsForGo,
  runs,
} from './orchestration-fixtures';

/** Orchestrations: activities, timers, events, control operations, listing, restarts. */
export function orchestrationsContract(harness: EngineHarness): void {
  describe(`orchestrations [${harness.name}]`, () => {
    let store: ContractStore;
    const cleanups: (() => Promise<void>)[] = [];
    beforeEach(async () => {
      store = await harness.newStore();
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      await store.dispose();
      runs.clear();
    });

    function open(options: { clock?: ManualClock } = {}): Promise<DurableApp> {
      return store.open({
        entities: ORCHESTRATION_ENTITIES,
        orchestrators: ORCHESTRATORS,
        activities: ACTIVITIES,
        ...(options.clock ? { clock: options.clock } : {}),
      });
    }

    test('HelloSequence chains activities and returns a typed result', async () => {
      const app = await open();
      const handle = await app.client.startNew(HelloSequence, ['Tokyo', 'Seattle', 'London'], { instanceId: 'hello-1' });
      expect(handle.instanceId).toBe('hello-1');
      const result: string[] = await handle.result({ timeout: 10_000 });
      expect(result).toEqual(['Hello Tokyo!', 'Hello Seattle!', 'Hello London!']);
      const status = await app.client.getStatus('hello-1', { showHistory: true });
      expect(status?.runtimeStatus).toBe('Completed');
      expect(status?.name).toBe('HelloSequence');
      expect(status?.input).toEqual(['Tokyo', 'Seattle', 'London']);
      expect(status?.output).toEqual(result);
      const kinds = status!.history!.map((e) => e.kind);
      expect(kinds.filter((k) => k === 'TaskScheduled')).toHaveLength(3);
      expect(kinds.filter((k) => k === 'TaskCompleted')).toHaveLength(3);
      expect(kinds.at(-1)).toBe('ExecutionCompleted');
      expect((await app.client.getStatus('hello-1'))?.history).toBeUndefined();
      expect((await app.client.getStatus('hello-1', { showInput: false }))?.input).toBeUndefined();
    });

    test('fan-out/fan-in of 100 activities', async () => {
      const app = await open();
      const handle = await app.client.startNew(FanOutFanIn, 100);
      expect(await handle.result({ timeout: 20_000 })).toEqual({ sum: 9900, first: 0, last: 198 });
      expect(runs.get('double')).toBe(100);
      const status = await handle.status({ showHistory: true });
      expect(status.history!.filter((e) => e.kind === 'TaskCompleted')).toHaveLength(100);
    });

    test('an activity that throws reaches the orchestrator as a typed ActivityFailedError it can catch', async () => {
      const app = await open();
      const handle = await app.client.startNew(CatchesFailure, 'on purpose');
      expect(await handle.result({ timeout: 10_000 })).toBe('caught RangeError from Greeter.explode: exploded: on purpose');
    });

    test('an orchestrator that throws fails; result() rejects with the failure details', async () => {
      const app = await open();
      const handle = await app.client.startNew(Fails, 'deliberately', { instanceId: 'fails-1' });
      const error = await handle.result({ timeout: 10_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OrchestrationFailedError);
      expect((error as OrchestrationFailedError).runtimeStatus).toBe('Failed');
      expect((error as OrchestrationFailedError).failureDetails).toMatchObject({ name: 'TypeError', message: 'orchestrator broke: deliberately' });
      const status = await handle.status();
      expect(status.failureDetails?.message).toBe('orchestrator broke: deliberately');
    });

    test('human interaction: the approval event arrives before the 72-hour timer', async () => {
      const clock = new ManualClock(new Date('2026-03-01T09:00:00Z'));
      const app = await open({ clock });
      const handle = await app.client.startNew(Approval, 'maria', { instanceId: 'approval-event' });
      expect((await handle.status()).customStatus).toEqual({ waitingFor: 'maria' });
      // The 72-hour timer is a scheduled message of the engine.
      await eventually(() => app.stats().scheduled === 1);
      await clock.advance(5 * HOUR);
      await handle.raiseEvent('Approved', { by: 'maria' });
      expect(await handle.result({ timeout: 10_000 })).toBe('approved by maria');
      // The timer still fires later; the ended instance ignores it.
      await clock.advance(72 * HOUR);
      await eventually(() => app.stats().scheduled === 0);
      const status = await handle.status();
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.customStatus).toEqual({ decided: 'approved' });
      expect(status.createdTime.toISOString()).toBe('2026-03-01T09:00:00.000Z');
    });

    test('human interaction: the 72-hour timer fires first and the request is escalated', async () => {
      const clock = new ManualClock(new Date('2026-03-01T09:00:00Z'));
      const app = await open({ clock });
      const handle = await app.client.startNew(Approval, 'maria', { instanceId: 'approval-timeout' });
      await clock.advance(71 * HOUR);
      await new Promise((r) => setTimeout(r, 50));
      expect((await handle.status()).runtimeStatus).toBe('Running');
      await clock.advance(1 * HOUR);
      expect(await handle.result({ timeout: 10_000 })).toBe('escalated to director');
      const status = await handle.status();
      expect(status.customStatus).toEqual({ decided: 'escalated' });
      expect(status.lastUpdatedTime.toISOString()).toBe('2026-03-04T09:00:00.000Z');
      await expect(handle.raiseEvent('Approved', { by: 'late' })).rejects.toBeInstanceOf(OrchestrationNotRunningError);
    });

    test('status$ emits the committed transitions Running, Suspended, Running, Completed', async () => {
      const app = await open();
      const handle = await app.client.startNew(WaitsForGo, 'status', { instanceId: 'status-1' });
      const seen: OrchestrationStatus[] = [];
      const subscription = handle.status$.subscribe((s) => seen.push(s));
      cleanups.push(async () => subscription.unsubscribe());
      await eventually(() => seen.length > 0);
      expect(seen[0]!.runtimeStatus).toBe('Running');
      await handle.suspend('maintenance');
      await eventually(() => seen.at(-1)?.runtimeStatus === 'Suspended');
      // Events raised while suspended are kept and delivered on resume.
      await handle.raiseEvent('Go', 'now');
      expect((await handle.status()).runtimeStatus).toBe('Suspended');
      await handle.resume('done');
      const final = await handle.waitForCompletion({ timeout: 10_000 });
      expect(final.output).toBe('Hello status! Hello status-now!');
      await eventually(() => seen.at(-1)?.runtimeStatus === 'Completed');
      const statuses = seen.map((s) => s.runtimeStatus).filter((s, i, all) => i === 0 || all[i - 1] !== s);
      expect(statuses).toEqual(['Running', 'Suspended', 'Running', 'Completed']);
      expect(seen.at(-1)!.output).toBe('Hello status! Hello status-now!');
      // Six turns (start, activity, suspend, event, resume, activity) ran on the live instance: no replay.
      expect(runs.get('run:status')).toBe(1);
    });

    test('terminate ends a running instance with the reason; result() rejects', async () => {
      const app = await open();
      const handle = await app.client.startNew(WaitsForGo, 'term', { instanceId: 'term-1' });
      await eventually(async () => runs.get('hello:term') === 1);
      await app.client.terminate('term-1', 'no longer needed');
      const status = await handle.waitForCompletion({ timeout: 5_000 });
      expect(status.runtimeStatus).toBe('Terminated');
      expect(status.output).toBe('no longer needed');
      const error = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OrchestrationFailedError);
      expect((error as OrchestrationFailedError).runtimeStatus).toBe('Terminated');
      await expect(handle.raiseEvent('Go', 'x')).rejects.toBeInstanceOf(OrchestrationNotRunningError);
    });

    test('starting an id that is running is refused; an ended one can be started again', async () => {
      const app = await open();
      await app.client.startNew(WaitsForGo, 'one', { instanceId: 'dup' });
      const refused = await app.client.startNew(WaitsForGo, 'two', { instanceId: 'dup' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OrchestrationAlreadyExistsError);
      expect((refused as OrchestrationAlreadyExistsError).instanceId).toBe('dup');
      expect((await app.client.getStatus('dup'))?.input).toBe('one');
      await app.client.terminate('dup');
      const again = await app.client.startNew(HelloSequence, ['Oslo'], { instanceId: 'dup' });
      expect(await again.result({ timeout: 10_000 })).toEqual(['Hello Oslo!']);
    });

    test('unknown instances and orchestrators are refused with typed errors', async () => {
      const app = await open();
      await expect(app.client.raiseEvent('nobody', 'Go', 1)).rejects.toBeInstanceOf(OrchestrationNotFoundError);
      await expect(app.client.terminate('nobody')).rejects.toBeInstanceOf(OrchestrationNotFoundError);
      expect(await app.client.getStatus('nobody')).toBeUndefined();
      await expect(app.client.waitForCompletion('nobody', { timeout: 2_000 })).rejects.toBeInstanceOf(OrchestrationNotFoundError);
      await expect(app.client.startNew('NoSuchOrchestrator')).rejects.toBeInstanceOf(UnknownOrchestratorError);
    });

    test('waitForCompletion times out on an instance that keeps waiting', async () => {
      const app = await open();
      const handle = await app.client.startNew(WaitsForGo, 'slow');
      await expect(handle.waitForCompletion({ timeout: 200 })).rejects.toBeInstanceOf(TimeoutError);
    });

    test('purge deletes an instance; listInstances filters by status and prefix, a page at a time', async () => {
      const app = await open();
      for (let i = 0; i < 5; i++) await (await app.client.startNew(HelloSequence, [`c${i}`], { instanceId: `batch-${i}` })).result({ timeout: 10_000 });
      await app.client.startNew(WaitsForGo, 'x', { instanceId: 'other-1' });
      const completed = await app.client.listInstances({ runtimeStatus: ['Completed'], instanceIdPrefix: 'batch-', pageSize: 3 });
      expect(completed.instances.map((s) => s.instanceId)).toEqual(['batch-0', 'batch-1', 'batch-2']);
      expect(completed.continuationToken).toBeDefined();
      const rest = await app.client.listInstances({ runtimeStatus: ['Completed'], pageSize: 3, continuationToken: completed.continuationToken! });
      expect(rest.instances.map((s) => s.instanceId)).toEqual(['batch-3', 'batch-4']);
      const running = await app.client.listInstances({ runtimeStatus: ['Running'] });
      expect(running.instances.map((s) => s.instanceId)).toEqual(['other-1']);
      const future = await app.client.listInstances({ createdTimeFrom: new Date(Date.now() + HOUR) });
      expect(future.instances).toEqual([]);

      expect(await app.client.purgeInstanceHistory('batch-0')).toEqual({ instancesDeleted: 1 });
      expect(await app.client.purgeInstanceHistory('batch-0')).toEqual({ instancesDeleted: 0 });
      expect(await app.client.getStatus('batch-0')).toBeUndefined();
      // Entity listings do not show orchestration instances.
      expect((await app.client.listEntities()).entities).toEqual([]);
      // ...and cannot be reached as entities.
      await expect(app.client.signalEntity({ name: '$orchestration', key: 'other-1' }, 'terminate')).rejects.toThrow(/belong to the runtime/);
      expect((await app.client.getStatus('other-1'))?.runtimeStatus).toBe('Running');
    });

    test('an orchestration signals an entity and calls one by name', async () => {
      const app = await open();
      expect(await (await app.client.startNew(SignalsJournal, 'from the orchestrator')).result({ timeout: 10_000 })).toBe('signalled');
      await eventually(async () => (await app.client.entity(Journal, 'from-orchestration').call.read()).length === 1);
      expect(await app.client.entity(Journal, 'from-orchestration').call.read()).toEqual(['from the orchestrator']);

      await app.client.entity(Journal, 'called').signal.append('first');
      const handle = await app.client.startNew(CallsJournal);
      const status = await handle.waitForCompletion({ timeout: 10_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toEqual(['first']);
    });

    test('instance ids with dots, spaces, wildcards and non-ASCII characters, up to the longest, work like any other', async () => {
      const app = await open();
      const odd = 'order 17.a/ü~*>.';
      const longest = `${odd}${'€'.repeat(256 - odd.length)}`;
      expect(longest).toHaveLength(256);
      for (const [i, id] of [odd, longest].entries()) {
        const handle = await app.client.startNew(WaitsForGo, `odd${i}`, { instanceId: id });
        await eventually(async () => runs.get(`hello:odd${i}`) === 1);
        await handle.raiseEvent('Go', 'go');
        expect(await handle.result({ timeout: 10_000 })).toBe(`Hello odd${i}! Hello odd${i}-go!`);
        expect((await app.client.getStatus(id))?.instanceId).toBe(id);
      }
      const listed = await app.client.listInstances({ instanceIdPrefix: 'order 17.' });
      expect(listed.instances.map((s) => s.instanceId).sort()).toEqual([odd, longest].sort());
      expect(await app.client.purgeInstanceHistory(longest)).toEqual({ instancesDeleted: 1 });
      expect(await app.client.getStatus(longest)).toBeUndefined();
      expect((await app.client.getStatus(odd))?.runtimeStatus).toBe('Completed');
    });

    test('a restart in the middle resumes from stored history and completes without re-running finished activities', async () => {
      const first = await open();
      await first.client.startNew(WaitsForGo, 'restart', { instanceId: 'survivor' });
      await eventually(async () => runs.get('hello:restart') === 1);
      await eventually(async () => (await first.client.getStatus('survivor', { showHistory: true }))!.history!.some((e) => e.kind === 'TaskCompleted'));
      await first.stop();

      const second = await open();
      expect((await second.client.getStatus('survivor'))?.runtimeStatus).toBe('Running');
      await second.client.raiseEvent('survivor', 'Go', 'again');
      const status = await second.client.waitForCompletion('survivor', { timeout: 10_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe('Hello restart! Hello restart-again!');
      expect(runs.get('hello:restart')).toBe(1);
      expect(runs.get('hello:restart-again')).toBe(1);
      // run() ran once live and once more to replay the stored history after the restart.
      expect(runs.get('run:restart')).toBe(2);
    });
  });
}
