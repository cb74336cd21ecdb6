import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { Activity, Entity, Operation, Orchestrator } from '../../../decorators';
import { Registry } from '../../../src/registry/registry';
import type { HistoryEvent } from '../../../src/runtime/orchestration/history-events';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { OrchestrationExecutor } from '../../../src/runtime/orchestration/orchestration-executor';
import { guidAt } from '../../../src/runtime/orchestration/orchestration-ids';
import { Driver, T0, completed, executorFor, fired, raised } from './replay-harness';

class Tools {
  @Activity() echo(value: unknown): unknown {
    return value;
  }
}

@Entity()
class Tally {
  n = 0;
  @Operation() add(k: number): number {
    return (this.n += k);
  }
}

const seen: { replaying: boolean; step: string }[] = [];
let runs = 0;

@Orchestrator()
class Observed {
  async run(ctx: OrchestrationContext, label: string): Promise<unknown> {
    runs++;
    seen.push({ replaying: ctx.isReplaying, step: 'start' });
    ctx.logger.info({ label }, 'started');
    const id = ctx.newGuid();
    ctx.setCustomStatus({ phase: 'echo', id });
    const echoed = await ctx.callActivity('Tools.echo', id);
    seen.push({ replaying: ctx.isReplaying, step: 'after echo' });
    ctx.logger.info('echoed');
    ctx.setCustomStatus({ phase: 'waiting' });
    const [total, event] = await ctx.all([ctx.entity(Tally, 'k').call.add(2), ctx.waitForExternalEvent<string>('go')]);
    const second = ctx.newGuid();
    ctx.logger.child({ sub: 1 }).warn('done');
    return { id, echoed, second, total, event, at: ctx.currentUtcDateTime.toISOString() };
  }
}

/** Everything the code did: a mixed script of fan-in, timers, events and entity calls. */
@Orchestrator()
class Mixed {
  async run(ctx: OrchestrationContext, n: number): Promise<unknown> {
    const tools = ctx.activities(Tools);
    const first = await ctx.all(Array.from({ length: n }, (_, i) => tools.echo(i)));
    const timer = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 5_000));
    const approval = ctx.waitForExternalEvent<string>('approve');
    const winner = await ctx.any([timer, approval]);
    ctx.setCustomStatus({ winner: winner === timer ? 'timer' : 'approval' });
    if (winner === approval) timer.cancel();
    const total = await ctx.entity(Tally, 't').call.add(first.length);
    ctx.entity(Tally, 't').signal.add(1);
    const guid = ctx.newGuid();
    const late = await ctx.waitForExternalEvent<string>('late');
    return { first, total, guid, late, winner: winner === timer ? 'timer' : approval.result };
  }
}

const options = { orchestrators: [Observed, Mixed], activities: [Tools], entities: [Tally] };

function capturingExecutor(lines: string[]): OrchestrationExecutor {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)).msg);
      done();
    },
  });
  return new OrchestrationExecutor({ registry: Registry.create(options), logger: pino({ level: 'info' }, stream) });
}

async function flushLogs(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('replay safety', () => {
  test('the logger writes each line once: silent while replaying, live afterwards', async () => {
    const lines: string[] = [];
    const driver = new Driver(capturingExecutor(lines), 'instance-1', true);
    seen.length = 0;
    await driver.start('Observed', 'x');
    await driver.send([completed(1, 'e')]);
    await driver.send([raised('go', 'now'), { kind: 'EntityResponse', seq: 2, result: 2 }]);
    await flushLogs();
    expect(lines).toEqual(['started', 'echoed', 'done']);
    expect(seen).toEqual([
      { replaying: false, step: 'start' },
      { replaying: true, step: 'start' },
      { replaying: false, step: 'after echo' },
      { replaying: true, step: 'start' },
      { replaying: true, step: 'after echo' },
    ]);
  });

  test('newGuid is the same on every replay, differs per step, and is a version-5 UUID', async () => {
    const live = new Driver(executorFor(options));
    const replayed = new Driver(executorFor(options), 'instance-1', true);
    for (const driver of [live, replayed]) {
      await driver.start('Observed', 'g');
      await driver.send([completed(1, 'e')]);
      await driver.send([{ kind: 'EntityResponse', seq: 2, result: 2 }, raised('go', 'now')]);
    }
    const a = live.turns.at(-1)!.output as { id: string; second: string };
    const b = replayed.turns.at(-1)!.output as { id: string; second: string };
    expect(b).toEqual(a);
    expect(a.id).toBe(guidAt('exec-1', 0));
    expect(a.second).toBe(guidAt('exec-1', 4));
    expect(a.id).not.toBe(a.second);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(guidAt('exec-2', 0)).not.toBe(a.id);
  });

  test('the custom status is reported each turn and rebuilt by replay', async () => {
    const driver = new Driver(executorFor(options));
    const first = await driver.start('Observed', 's');
    expect(first.customStatus).toEqual({ phase: 'echo', id: guidAt('exec-1', 0) });
    driver.evict();
    const second = await driver.send([completed(1, 'e')]);
    expect(second.customStatus).toEqual({ phase: 'waiting' });
    driver.evict();
    const idle = await driver.send([raised('unrelated')]);
    expect(idle.customStatus).toEqual({ phase: 'waiting' });
  });

  test('the live instance runs the code once; a replay runs it again', async () => {
    runs = 0;
    const driver = new Driver(executorFor(options));
    await driver.start('Observed', 'r');
    await driver.send([completed(1, 'e')]);
    await driver.send([raised('go', 'now')]);
    expect(runs).toBe(1);
    driver.evict();
    await driver.send([{ kind: 'EntityResponse', seq: 2, result: 2 }]);
    expect(runs).toBe(2);
  });
});

describe('in-memory continuation equals full replay', () => {
  const script: { events: HistoryEvent[]; advanceMs: number }[] = [
    { events: [completed(2, 'two'), completed(0, 'zero')], advanceMs: 1_000 },
    { events: [completed(1, 'one'), raised('late', 'early bird')], advanceMs: 2_000 },
    { events: [raised('approve', 'yes'), fired(3, T0 + 8_000)], advanceMs: 3_000 },
    { events: [{ kind: 'EntityResponse', seq: 5, result: 3 }], advanceMs: 500 },
  ];

  test('every turn gives the same history, actions, status, output and custom status', async () => {
    const live = new Driver(executorFor(options));
    const replayed = new Driver(executorFor(options), 'instance-1', true);
    for (const driver of [live, replayed]) {
      await driver.start('Mixed', 3);
      for (const { events, advanceMs } of script) await driver.send(events, advanceMs);
    }
    expect(live.restores).toBe(1);
    expect(replayed.restores).toBe(script.length + 1);
    expect(replayed.turns).toEqual(live.turns);
    const done = live.turns.at(-1)!;
    expect(done.status).toBe('Completed');
    expect(done.output).toEqual({ first: ['zero', 'one', 'two'], total: 3, guid: guidAt('exec-1', 7), late: 'early bird', winner: 'yes' });
    expect(done.customStatus).toEqual({ winner: 'approval' });
    expect(replayed.history).toEqual(live.history);
  });

  test('the same holds when the timer wins', async () => {
    const timerFirst = [...script];
    timerFirst[2] = { events: [fired(3, T0 + 8_000), raised('approve', 'too late')], advanceMs: 3_000 };
    const live = new Driver(executorFor(options));
    const replayed = new Driver(executorFor(options), 'instance-1', true);
    for (const driver of [live, replayed]) {
      await driver.start('Mixed', 3);
      for (const { events, advanceMs } of timerFirst) await driver.send(events, advanceMs);
    }
    expect(replayed.turns).toEqual(live.turns);
    expect(live.turns.at(-1)!.output).toMatchObject({ winner: 'timer' });
  });
});
