import { existsSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import {
  Activity,
  AppStoppedError,
  DurableApp,
  Entity,
  InvalidOptionsError,
  ManualClock,
  Operation,
  Orchestrator,
  TimeoutError,
  createTestEnvironment,
  type OrchestrationContext,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from '../../src/index';
import { eventually } from '../eventually';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = new Date('2026-05-04T08:00:00Z');

@Entity()
class Tally {
  count = 0;

  @Operation() add(n: number): void {
    this.count += n;
  }

  @Operation() get(): number {
    return this.count;
  }
}

/** A service handed to Worker through `resolve`. */
class Prefixer {
  constructor(readonly prefix: string) {}
}

class Worker {
  constructor(private readonly prefixer: Prefixer = new Prefixer('plain')) {}

  @Activity()
  async slow(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return `slept ${ms}`;
  }

  @Activity()
  label(text: string): string {
    return `${this.prefixer.prefix}:${text}`;
  }
}

@Orchestrator()
class WaitsThreeDays {
  async run(ctx: OrchestrationContext): Promise<string> {
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 72 * HOUR));
    return ctx.currentUtcDateTime.toISOString();
  }
}

/** Wakes up every minute, `ticks` times, one timer after the other. */
@Orchestrator()
class Ticker {
  async run(ctx: OrchestrationContext, ticks: number): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < ticks; i++) {
      await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + MINUTE));
      seen.push(await ctx.activities(Worker).label(ctx.currentUtcDateTime.toISOString().slice(11, 16)));
    }
    return seen;
  }
}

@Orchestrator()
class SlowWork {
  async run(ctx: OrchestrationContext, ms: number): Promise<string> {
    return ctx.activities(Worker).slow(ms);
  }
}

describe('createTestEnvironment', () => {
  const envs: TestEnvironment[] = [];
  afterEach(async () => {
    for (const env of envs.splice(0)) await env.dispose();
  });

  async function create(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
    const env = await createTestEnvironment({
      entities: [Tally],
      orchestrators: [WaitsThreeDays, Ticker, SlowWork],
      activities: [Worker],
      startTime: START,
      ...options,
    });
    envs.push(env);
    return env;
  }

  test('starts an app in a fresh directory on a manual clock; dispose stops it and removes the directory', async () => {
    const env = await create();
    expect(env.app).toBeInstanceOf(DurableApp);
    expect(env.client).toBe(env.app.client);
    expect(env.clock).toBeInstanceOf(ManualClock);
    expect(env.now().toISOString()).toBe(START.toISOString());
    expect(existsSync(env.dataDir)).toBe(true);

    await env.client.entity(Tally, 'a').signal.add(2);
    expect(await env.client.entity(Tally, 'a').call.get()).toBe(2);

    await env.dispose();
    expect(existsSync(env.dataDir)).toBe(false);
    await expect(env.client.entity(Tally, 'a').call.get()).rejects.toBeInstanceOf(AppStoppedError);
    await env.dispose(); // a second dispose does nothing
    await expect(env.advance(1)).rejects.toBeInstanceOf(InvalidOptionsError);
  });

  test('two environments do not share a directory or a clock', async () => {
    const one = await create();
    const two = await create({ startTime: Date.UTC(2030, 0, 1) });
    expect(one.dataDir).not.toBe(two.dataDir);
    await one.advance(HOUR);
    expect(one.now().getTime()).toBe(START.getTime() + HOUR);
    expect(two.now().toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  test('a 72-hour durable timer fires only when the clock gets there, in milliseconds of real time', async () => {
    const env = await create();
    const handle = await env.client.startNew(WaitsThreeDays, undefined, { instanceId: 'three-days' });
    const began = Date.now();
    await env.advance(72 * HOUR - 1);
    expect((await handle.status()).runtimeStatus).toBe('Running');
    await env.advance(1);
    expect(await handle.result({ timeout: 5_000 })).toBe('2026-05-07T08:00:00.000Z');
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  test('advance fires timers set in response to earlier ones within the same span', async () => {
    const env = await create();
    const handle = await env.client.startNew(Ticker, 5);
    await env.advance(5 * MINUTE);
    // The clock moves no further: the result comes only if all five timers fired in that span.
    expect(await handle.result({ timeout: 5_000 })).toEqual(['plain:08:01', 'plain:08:02', 'plain:08:03', 'plain:08:04', 'plain:08:05']);
    expect(env.now().getTime()).toBe(START.getTime() + 5 * MINUTE);
  });

  test('advance stops at the target: later timers stay armed', async () => {
    const env = await create();
    const handle = await env.client.startNew(Ticker, 10);
    await env.advance(3 * MINUTE + 30_000);
    const timersFired = async (): Promise<number> => (await handle.status({ showHistory: true })).history!.filter((e) => e.kind === 'TimerFired').length;
    await eventually(async () => (await timersFired()) === 3);
    expect((await handle.status()).runtimeStatus).toBe('Running');
    await new Promise((r) => setTimeout(r, 50));
    expect(await timersFired()).toBe(3);
    await env.advanceTo(new Date(START.getTime() + 10 * MINUTE));
    expect(await handle.result({ timeout: 5_000 })).toHaveLength(10);
  });

  test('scheduled entity signals are applied when the clock reaches them', async () => {
    const env = await create();
    const tally = env.client.entity(Tally, 'later');
    await tally.signalAt(new Date(START.getTime() + 2 * HOUR)).add(5);
    await env.advance(HOUR);
    expect(await tally.call.get()).toBe(0);
    await env.advance(HOUR);
    expect(await tally.call.get()).toBe(5);
  });

  test('waitForQuiet waits for activities that are still running', async () => {
    const env = await create();
    const handle = await env.client.startNew(SlowWork, 150);
    await env.waitForQuiet();
    const status = await handle.status();
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe('slept 150');
  });

  test('waitForQuiet gives up with a TimeoutError when the app stays busy', async () => {
    const env = await create({ quietTimeoutMs: 100 });
    await env.client.startNew(SlowWork, 400);
    await expect(env.waitForQuiet()).rejects.toBeInstanceOf(TimeoutError);
  });

  test('the deprecated settle and settleTimeoutMs still work as waitForQuiet and quietTimeoutMs', async () => {
    const env = await create({ settleTimeoutMs: 100 });
    await env.client.startNew(SlowWork, 400);
    await expect(env.settle()).rejects.toBeInstanceOf(TimeoutError);
  });

  test('restart reopens the same directory on the same clock: instances and timers carry on', async () => {
    const env = await create();
    const handle = await env.client.startNew(WaitsThreeDays, undefined, { instanceId: 'survives' });
    await env.advance(24 * HOUR);
    const before = env.app;
    await env.restart();
    expect(env.app).not.toBe(before);
    expect((await env.client.getStatus('survives'))?.runtimeStatus).toBe('Running');
    await env.advance(48 * HOUR);
    const status = await env.client.waitForCompletion('survives', { timeout: 5_000 });
    expect(status.output).toBe('2026-05-07T08:00:00.000Z');
    // The old handle belongs to the stopped app's client; the new client hands out a new one.
    await expect(handle.status()).rejects.toBeInstanceOf(AppStoppedError);
    const again = env.client.getHandle<undefined, string>('survives');
    expect(again.instanceId).toBe('survives');
    expect(await again.result()).toBe('2026-05-07T08:00:00.000Z');
  });

  test("the user's resolve still creates activity instances", async () => {
    const env = await create({
      resolve: <T>(cls: new (...args: never[]) => T): T =>
        cls === (Worker as unknown) ? (new Worker(new Prefixer('injected')) as T) : new (cls as new () => T)(),
    });
    const handle = await env.client.startNew(Ticker, 1);
    await env.advance(MINUTE);
    expect((await handle.status()).output).toEqual(['injected:08:01']);
  });

  test('start: false leaves starting to the test', async () => {
    const env = await create({ start: false });
    await env.client.entity(Tally, 'queued').signal.add(1);
    await env.app.start();
    expect(await env.client.entity(Tally, 'queued').call.get()).toBe(1);
  });

  test('options the environment owns are refused', async () => {
    await expect(createTestEnvironment({ dataDir: '/tmp/x' } as TestEnvironmentOptions)).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(createTestEnvironment({ clock: new ManualClock() } as TestEnvironmentOptions)).rejects.toThrow(/'clock' cannot be set/);
    await expect(createTestEnvironment({ startTime: new Date('nonsense') })).rejects.toThrow(/startTime/);
    await expect(createTestEnvironment({ quietPeriodMs: -1 })).rejects.toThrow(/quietPeriodMs/);
    // Invalid app options reach DurableApp.create, and leave no directory behind.
    await expect(createTestEnvironment({ partitionCount: 0 })).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});
