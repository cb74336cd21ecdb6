import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { Activity } from '../../../decorators';
import { OutsideOperationError } from '../../../src/errors';
import { Registry } from '../../../src/registry/registry';
import { activityContext, type ActivityContext } from '../../../src/runtime/orchestration/activity-context';
import { ActivityRunner } from '../../../src/runtime/orchestration/activity-runner';

let seen: ActivityContext | undefined;
let later: Promise<unknown> | undefined;

class Probe {
  @Activity()
  async look(): Promise<string> {
    await Promise.resolve();
    seen = activityContext();
    // Code the activity leaves running still sees its context; code outside it does not.
    later = new Promise((resolve) => setTimeout(() => resolve(activityContext().taskId), 5));
    return 'looked';
  }

  /** Heartbeats every 5 ms for `beats` beats, then goes silent for `silentMs`. */
  @Activity()
  async beats(request: { beats: number; silentMs: number }): Promise<string> {
    const context = activityContext();
    for (let i = 0; i < request.beats; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      context.heartbeat();
    }
    await new Promise((resolve) => setTimeout(resolve, request.silentMs));
    return context.signal.aborted ? 'aborted' : 'finished';
  }

  @Activity()
  async sleep(ms: number): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'woke';
  }
}

const runner = () => new ActivityRunner({ registry: Registry.create({ activities: [Probe] }) });

describe('activityContext', () => {
  test('inside an activity: instance, execution, name, attempt, task id and a live signal, across awaits', async () => {
    const event = await runner().run({ name: 'Probe.look', step: 4, instanceId: 'order-1', executionId: 'e-1', attempt: 3, taskId: 'e-1#4' });
    expect(event).toMatchObject({ kind: 'TaskCompleted', seq: 4, result: 'looked' });
    expect(seen).toMatchObject({ instanceId: 'order-1', executionId: 'e-1', activityName: 'Probe.look', attempt: 3, taskId: 'e-1#4' });
    expect(seen!.signal.aborted).toBe(false);
    expect(await later).toBe('e-1#4');
  });

  test('outside an activity it throws OutsideOperationError naming activities', () => {
    expect(() => activityContext()).toThrow(OutsideOperationError);
    expect(() => activityContext()).toThrow(/while an activity runs/);
  });

  test('startToCloseTimeout fails a slow attempt with a TimeoutError and leaves a fast one alone', async () => {
    const slow = await runner().run({ name: 'Probe.sleep', input: 200, step: 0, startToCloseTimeoutMs: 20 });
    expect(slow).toMatchObject({ kind: 'TaskFailed', error: { name: 'TimeoutError', code: 'JETSTATE_TIMEOUT' } });
    const fast = await runner().run({ name: 'Probe.sleep', input: 1, step: 1, startToCloseTimeoutMs: 1_000 });
    expect(fast).toMatchObject({ kind: 'TaskCompleted', result: 'woke' });
  });
});

describe('heartbeatTimeout', () => {
  test('an activity that keeps heartbeating runs past the heartbeat timeout; one that falls silent fails with a TimeoutError', async () => {
    const alive = await runner().run({ name: 'Probe.beats', input: { beats: 30, silentMs: 0 }, step: 0, heartbeatTimeoutMs: 60 });
    expect(alive).toMatchObject({ kind: 'TaskCompleted', result: 'finished' });
    const silent = await runner().run({ name: 'Probe.beats', input: { beats: 3, silentMs: 300 }, step: 1, heartbeatTimeoutMs: 60 });
    expect(silent).toMatchObject({
      kind: 'TaskFailed',
      error: { name: 'TimeoutError', message: "Activity 'Probe.beats' sent no heartbeat for 60 ms (its heartbeatTimeout)." },
    });
  });
});
