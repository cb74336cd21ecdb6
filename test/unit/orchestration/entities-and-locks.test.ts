import { describe, expect, test } from 'vitest';
import { Entity, Operation, Orchestrator } from '../../../decorators';
import { CriticalSectionError, OperationFailedError } from '../../../src/errors';
import { lockOrder } from '../../../src/runtime/orchestration/critical-section';
import type { HistoryEvent } from '../../../src/runtime/orchestration/history-events';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';
import { Driver, actionsOf, executorFor, raised, withoutMarkers } from './replay-harness';

@Entity()
class Account {
  balance = 0;
  @Operation() deposit(amount: number): void {
    this.balance += amount;
  }
  @Operation() withdraw(amount: number): void {
    if (amount > this.balance) throw new RangeError('insufficient funds');
    this.balance -= amount;
  }
  @Operation() get(): number {
    return this.balance;
  }
}

@Entity()
class Audit {
  @Operation() record(_line: string): void {}
}

@Orchestrator()
class Transfer {
  async run(ctx: OrchestrationContext, input: { from: string; to: string; amount: number }): Promise<string> {
    const from = ctx.entity(Account, input.from);
    const to = ctx.entity(Account, input.to);
    const outcome = await ctx.lock([from, to, from.id], async () => {
      const balance = await from.call.get();
      if (balance < input.amount) return 'insufficient';
      await from.call.withdraw(input.amount);
      await to.call.deposit(input.amount);
      return 'moved';
    });
    ctx.entity(Audit, 'log').signal.record(`${input.from}->${input.to}: ${outcome}`);
    await ctx.waitForExternalEvent('done');
    return outcome;
  }
}

@Orchestrator()
class EntityCalls {
  async run(ctx: OrchestrationContext): Promise<string[]> {
    const out: string[] = [];
    out.push(String(await ctx.callEntity<number>({ name: 'Account', key: 'a' }, 'get')));
    try {
      await ctx.entity(Account, 'a').call.withdraw(100);
    } catch (error) {
      if (error instanceof OperationFailedError) out.push(`${error.operation} ${error.remoteName}: ${error.remoteMessage}`);
    }
    ctx.signalEntity({ name: 'Account', key: 'b' }, 'deposit', 5, { scheduledTime: new Date(Date.UTC(2031, 0, 1)) });
    return out;
  }
}

@Orchestrator()
class RuleBreaker {
  async run(ctx: OrchestrationContext, rule: string): Promise<string> {
    const a = ctx.entity(Account, 'a');
    const b = ctx.entity(Account, 'b');
    return ctx.lock([a], async () => {
      try {
        if (rule === 'call-unlocked') await b.call.get();
        if (rule === 'signal-locked') a.signal.deposit(1);
        if (rule === 'nested') await ctx.lock([b], () => 1);
        if (rule === 'sub') await ctx.callSubOrchestrator('Transfer', {});
        return 'allowed';
      } catch (error) {
        return error instanceof CriticalSectionError ? `refused: ${error.message}` : `wrong error: ${String(error)}`;
      }
    });
  }
}

@Orchestrator()
class HoldsForever {
  async run(ctx: OrchestrationContext): Promise<void> {
    await ctx.lock([{ name: 'Account', key: 'z' }], async () => {
      await ctx.waitForExternalEvent('release');
      throw new Error('section failed');
    });
  }
}

const executor = () => executorFor({ orchestrators: [Transfer, EntityCalls, RuleBreaker, HoldsForever], entities: [Account, Audit] });
const response = (seq: number, result?: unknown): HistoryEvent => ({ kind: 'EntityResponse', seq, ...(result === undefined ? {} : { result }) });

describe('entity calls and signals', () => {
  test('calls wait for the entity response; errors arrive as OperationFailedError; signals are one-way', async () => {
    const driver = new Driver(executor());
    const first = await driver.start('EntityCalls');
    expect(actionsOf(first, 'callEntity')).toEqual([
      {
        kind: 'callEntity',
        instanceId: 'instance-1',
        executionId: 'exec-1',
        step: 0,
        messageId: 'exec-1#0',
        target: { name: 'Account', key: 'a' },
        operation: 'get',
      },
    ]);
    const second = await driver.send([response(0, 42)]);
    expect(actionsOf(second, 'callEntity')).toMatchObject([{ step: 1, operation: 'withdraw', input: 100, messageId: 'exec-1#1' }]);
    const done = await driver.send([{ kind: 'EntityResponse', seq: 1, error: { name: 'RangeError', message: 'insufficient funds' } }]);
    expect(actionsOf(done, 'signalEntity')).toEqual([
      {
        kind: 'signalEntity',
        instanceId: 'instance-1',
        executionId: 'exec-1',
        step: 2,
        messageId: 'exec-1#2',
        target: { name: 'Account', key: 'b' },
        operation: 'deposit',
        input: 5,
        scheduledTime: Date.UTC(2031, 0, 1),
      },
    ]);
    expect(done.output).toEqual(['42', 'Account/a.withdraw RangeError: insufficient funds']);
  });
});

describe('critical sections', () => {
  test('the lock order is fixed: deduplicated, sorted by Name/key in code-unit order', () => {
    const order = lockOrder([
      { name: 'Audit', key: 'a' },
      { name: 'Account', key: 'b' },
      { id: { name: 'Account', key: 'B' } },
      { name: 'Account', key: 'b' },
      { name: 'Account2', key: 'a' },
    ]);
    expect(order).toEqual([
      { name: 'Account', key: 'B' },
      { name: 'Account', key: 'b' },
      { name: 'Account2', key: 'a' },
      { name: 'Audit', key: 'a' },
    ]);
    expect(() => lockOrder([])).toThrow('ctx.lock() needs a non-empty array of entity ids');
    expect(() => lockOrder([{ name: 'Account', key: '' }])).toThrow("The key of entity 'Account' is empty.");
  });

  test('entities are locked in sorted order without duplicates, and released when the section ends', async () => {
    const driver = new Driver(executor());
    const first = await driver.start('Transfer', { from: 'zoe', to: 'adam', amount: 30 });
    expect(actionsOf(first, 'requestLocks')).toEqual([
      {
        kind: 'requestLocks',
        instanceId: 'instance-1',
        executionId: 'exec-1',
        step: 0,
        lockRequestId: 'exec-1#0',
        entities: [
          { name: 'Account', key: 'adam' },
          { name: 'Account', key: 'zoe' },
        ],
      },
    ]);
    const granted = await driver.send([{ kind: 'LockGranted', seq: 0 }]);
    expect(actionsOf(granted, 'callEntity')).toMatchObject([{ step: 1, target: { key: 'zoe' }, operation: 'get' }]);
    await driver.send([response(1, 100)]);
    await driver.send([response(2)]);
    const released = await driver.send([response(3)]);
    expect(withoutMarkers(released.newHistory)).toEqual([
      response(3),
      {
        kind: 'LocksReleased',
        seq: 0,
        entities: [
          { name: 'Account', key: 'adam' },
          { name: 'Account', key: 'zoe' },
        ],
      },
      { kind: 'EntitySignaled', seq: 4, target: { name: 'Audit', key: 'log' }, operation: 'record', input: 'zoe->adam: moved' },
    ]);
    expect(released.actions.map((a) => a.kind)).toEqual(['releaseLocks', 'signalEntity']);
    expect(released.status).toBe('Running');
    const done = await driver.send([raised('done')]);
    expect(done.output).toBe('moved');
    expect(actionsOf(done, 'releaseLocks')).toEqual([]);
  });

  test.each([
    ['call-unlocked', 'Entity Account/b was called inside a critical section that does not lock it.'],
    ['signal-locked', 'Entity Account/a was signaled inside a critical section that locks it.'],
    ['nested', 'ctx.lock() was called inside a critical section. Critical sections do not nest'],
    ['sub', 'A sub-orchestration was started inside a critical section.'],
  ])('inside a section, %s is refused with a CriticalSectionError', async (rule, message) => {
    const driver = new Driver(executor());
    await driver.start('RuleBreaker', rule);
    const done = await driver.send([{ kind: 'LockGranted', seq: 0 }]);
    expect(String(done.output)).toContain(`refused: ${message}`);
    expect(done.actions.map((a) => a.kind)).toEqual(['releaseLocks']);
  });

  test('a section that throws releases its locks and fails the lock task', async () => {
    const driver = new Driver(executor());
    await driver.start('HoldsForever');
    await driver.send([{ kind: 'LockGranted', seq: 0 }]);
    const done = await driver.send([raised('release')]);
    expect(done.status).toBe('Failed');
    expect(done.failure).toEqual({ name: 'Error', message: 'section failed' });
    expect(withoutMarkers(done.newHistory).map((e) => e.kind)).toEqual(['EventRaised', 'LocksReleased', 'ExecutionFailed']);
  });

  test('locks still held when the instance is terminated are released', async () => {
    const driver = new Driver(executor());
    await driver.start('HoldsForever');
    await driver.send([{ kind: 'LockGranted', seq: 0 }]);
    const done = await driver.send([{ kind: 'ExecutionTerminated', reason: 'stop' }]);
    expect(done.status).toBe('Terminated');
    expect(done.output).toBe('stop');
    expect(done.actions).toEqual([
      { kind: 'releaseLocks', instanceId: 'instance-1', executionId: 'exec-1', step: 0, lockRequestId: 'exec-1#0', entities: [{ name: 'Account', key: 'z' }] },
    ]);
  });

  test('a held lock is replayed as held: after eviction the section continues and releases once', async () => {
    const driver = new Driver(executor());
    await driver.start('Transfer', { from: 'a', to: 'b', amount: 1 });
    await driver.send([{ kind: 'LockGranted', seq: 0 }]);
    await driver.send([response(1, 0)]);
    driver.evict();
    const done = await driver.send([raised('done')]);
    expect(done.output).toBe('insufficient');
    expect(driver.history.filter((e) => e.kind === 'LocksReleased')).toHaveLength(1);
  });
});
