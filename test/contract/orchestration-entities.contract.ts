import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Entity, Operation, OperationFailedError, Orchestrator, entityContext, type OrchestrationContext } from '../../src/index';
import { eventually } from '../eventually';
import { Counter } from './fixtures';
import type { ContractStore, EngineHarness } from './harness';

@Entity()
class Account {
  balance = 0;
  @Operation() deposit(amount: number): void {
    this.balance += amount;
  }
  @Operation() withdraw(amount: number): void {
    if (amount > this.balance) throw new RangeError(`insufficient funds: ${this.balance} < ${amount}`);
    this.balance -= amount;
  }
  @Operation() get(): number {
    return this.balance;
  }
  @Operation() set(balance: number): void {
    this.balance = balance;
  }
}

interface TransferInput {
  from: string;
  to: string;
  amount: number;
}

/**
 * Moves money between two accounts inside a critical section: reads both balances, then
 * writes both new balances. The writes are computed from the reads, so without mutual
 * exclusion concurrent transfers would lose updates and the total would drift.
 */
@Orchestrator()
class Transfer {
  async run(ctx: OrchestrationContext, { from, to, amount }: TransferInput): Promise<boolean> {
    const source = ctx.entity(Account, from);
    const target = ctx.entity(Account, to);
    return ctx.lock([source, target], async () => {
      const [available, held] = await ctx.all([source.call.get(), target.call.get()]);
      if (available < amount) return false;
      await ctx.all([source.call.set(available - amount), target.call.set(held + amount)]);
      return true;
    });
  }
}

/** Calls entities outside a section: results come back typed, failures as OperationFailedError. */
@Orchestrator()
class CallsEntities {
  async run(ctx: OrchestrationContext, key: string): Promise<{ first: number; second: number; failure: string }> {
    const counter = ctx.entity(Counter, key);
    const first = await counter.call.increment();
    const second = await counter.call.increment();
    let failure = '';
    try {
      await counter.call.addThenFail(5);
    } catch (error) {
      failure = error instanceof OperationFailedError ? `${error.remoteName}: ${error.remoteMessage}` : `unexpected ${String(error)}`;
    }
    return { first, second, failure };
  }
}

/** Holds a lock on an account until the event 'release' arrives. */
@Orchestrator()
class HoldAccount {
  async run(ctx: OrchestrationContext, key: string): Promise<number> {
    const account = ctx.entity(Account, key);
    return ctx.lock([account], async () => {
      await account.call.deposit(1);
      await ctx.waitForExternalEvent<void>('release');
      return account.call.get();
    });
  }
}

/** An entity that starts an orchestration from an operation. */
@Entity()
class Approvals {
  started: string[] = [];
  @Operation() open(request: string): string {
    const id = entityContext().startNewOrchestration(CallsEntities, `from-${request}`);
    this.started.push(id);
    return id;
  }
  @Operation() openAs(instanceId: string): void {
    entityContext().startNewOrchestration('HoldAccount', 'entity-held', { instanceId });
  }
}

/** Orchestrations with entities: calls, critical sections, orchestrations started by entities. */
export function orchestrationEntitiesContract(harness: EngineHarness): void {
  describe(`orchestrations and entities [${harness.name}]`, () => {
    let store: ContractStore;
    beforeEach(async () => {
      store = await harness.newStore();
    });
    afterEach(() => store.dispose());

    function app() {
      return store.open({ entities: [Account, Counter, Approvals], orchestrators: [Transfer, CallsEntities, HoldAccount] });
    }

    test('an orchestration calls entities and gets typed results; an operation that throws reaches it as OperationFailedError, rolled back', async () => {
      const a = await app();
      const handle = await a.client.startNew(CallsEntities, 'calls');
      expect(await handle.result()).toEqual({ first: 1, second: 2, failure: 'RangeError: refusing 5' });
      expect(await a.client.entity(Counter, 'calls').call.get()).toBe(2);
    });

    test('a locked entity runs only its owner’s operations; others wait until the section ends', async () => {
      const a = await app();
      const holder = await a.client.startNew(HoldAccount, 'held');
      await eventually(async () => (await a.client.entity(Account, 'held').read()).entityState?.balance === 1);
      // A client's deposit waits for the lock; so does a call.
      await a.client.entity(Account, 'held').signal.deposit(100);
      const read = a.client.entity(Account, 'held').call.get();
      let readDone = false;
      void read.then(() => (readDone = true));
      await new Promise((r) => setTimeout(r, 200));
      expect((await a.client.entity(Account, 'held').read()).entityState?.balance).toBe(1);
      expect(readDone).toBe(false);
      await holder.raiseEvent('release', undefined);
      expect(await holder.result()).toBe(1);
      expect(await read).toBe(101);
    });

    test('an entity operation starts orchestrations, by class or by name, atomically with its state', async () => {
      const a = await app();
      const id = await a.client.entity(Approvals, 'desk').call.open('r1');
      expect((await a.client.entity(Approvals, 'desk').read()).entityState?.started).toEqual([id]);
      // The start is a signal: the instance exists once it has been applied.
      await eventually(async () => (await a.client.getStatus(id)) !== undefined);
      const done = await a.client.waitForCompletion(id, { timeout: 10_000 });
      expect(done.name).toBe('CallsEntities');
      expect(done.output).toEqual({ first: 1, second: 2, failure: 'RangeError: refusing 5' });
      expect(await a.client.entity(Counter, 'from-r1').call.get()).toBe(2);

      await a.client.entity(Approvals, 'desk').signal.openAs('held-by-desk');
      await eventually(async () => (await a.client.entity(Account, 'entity-held').read()).entityState?.balance === 1);
      expect((await a.client.getStatus('held-by-desk'))?.runtimeStatus).toBe('Running');
      await a.client.raiseEvent('held-by-desk', 'release', undefined);
      expect((await a.client.waitForCompletion('held-by-desk', { timeout: 10_000 })).output).toBe(1);
    });

    test('an instance that ends while its locks are being taken leaves no entity locked', async () => {
      const a = await app();
      const holder = await a.client.startNew(HoldAccount, 'busy');
      await eventually(async () => (await a.client.entity(Account, 'busy').read()).entityState?.balance === 1);
      // The transfer locks 'aaa' (sorted first), then waits for 'busy', held by the holder.
      const transfer = await a.client.startNew(Transfer, { from: 'aaa', to: 'busy', amount: 1 });
      await new Promise((r) => setTimeout(r, 200));
      await transfer.terminate('gave up');
      expect((await transfer.waitForCompletion({ timeout: 10_000 })).runtimeStatus).toBe('Terminated');
      // The holder ends; its queue hands 'busy' to the terminated transfer, whose grant nobody takes.
      await holder.raiseEvent('release', undefined);
      expect(await holder.result()).toBe(1);
      // Both accounts take operations from anyone again.
      await a.client.entity(Account, 'busy').signal.deposit(10);
      await a.client.entity(Account, 'aaa').signal.deposit(10);
      await eventually(async () => (await a.client.entity(Account, 'busy').read()).entityState?.balance === 11, 10_000);
      await eventually(async () => (await a.client.entity(Account, 'aaa').read()).entityState?.balance === 10, 10_000);
    });

    test('bank invariant: concurrent transfers that lock two accounts keep the total exact, with no deadlock', async () => {
      const a = await app();
      const accounts = ['a', 'b', 'c', 'd'];
      for (const key of accounts) await a.client.entity(Account, key).signal.deposit(100);
      const transfers: TransferInput[] = [];
      for (let i = 0; i < 40; i++) {
        const from = accounts[i % 4]!;
        const to = accounts[(i * 3 + 1) % 4]!;
        transfers.push({ from, to: to === from ? accounts[(i + 2) % 4]! : to, amount: 10 + (i % 7) * 15 });
      }
      const handles = await Promise.all(transfers.map((t) => a.client.startNew(Transfer, t)));
      const moved = await Promise.all(handles.map((h) => h.waitForCompletion({ timeout: 30_000 }).then(() => h.result())));
      const balances = await Promise.all(accounts.map((key) => a.client.entity(Account, key).call.get()));
      expect(balances.reduce((x, y) => x + y, 0)).toBe(400);
      expect(balances.every((b) => b >= 0)).toBe(true);
      // Each balance is what the transfers reported as done make it.
      const expected = new Map(accounts.map((key) => [key, 100]));
      transfers.forEach((t, i) => {
        if (!moved[i]) return;
        expected.set(t.from, expected.get(t.from)! - t.amount);
        expected.set(t.to, expected.get(t.to)! + t.amount);
      });
      expect(balances).toEqual(accounts.map((key) => expected.get(key)));
      expect(moved.filter(Boolean).length).toBeGreaterThan(10);
      // Every lock was released.
      for (const key of accounts) expect(await a.client.entity(Account, key).call.get()).toBe(expected.get(key));
    }, 60_000);
  });
}
