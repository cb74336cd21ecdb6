import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Account, BANK_TRANSFER, Transfer, runBankTransferDemo, type TransferRequest } from '../../examples/bank-transfer';
import { OrchestrationFailedError, createTestEnvironment, type TestEnvironment } from '../../src/index';

describe('example: bank transfer with entity locks', () => {
  let env: TestEnvironment;
  beforeEach(async () => {
    env = await createTestEnvironment(BANK_TRANSFER);
  });
  afterEach(() => env.dispose());

  async function open(balances: Record<string, number>): Promise<void> {
    for (const [id, cents] of Object.entries(balances)) await env.client.entity(Account, id).call.deposit(cents);
  }

  async function balanceOf(id: string): Promise<number> {
    return env.client.entity(Account, id).call.balance();
  }

  it('moves money between two accounts and reports both balances', async () => {
    await open({ alice: 10_000, bob: 2_500 });
    const handle = await env.client.startNew(Transfer, { from: 'alice', to: 'bob', amount: 4_000 });
    expect(await handle.result({ timeout: 10_000 })).toEqual({ transferred: true, fromBalance: 6_000, toBalance: 6_500 });
    expect(await balanceOf('alice')).toBe(6_000);
    expect(await balanceOf('bob')).toBe(6_500);
  });

  it('refuses a transfer the source cannot afford, without moving anything', async () => {
    await open({ alice: 1_000, bob: 1 });
    const handle = await env.client.startNew(Transfer, { from: 'alice', to: 'bob', amount: 1_001 });
    expect(await handle.result({ timeout: 10_000 })).toEqual({ transferred: false, fromBalance: 1_000, toBalance: 1 });
    expect(await balanceOf('alice')).toBe(1_000);
  });

  it('a transfer to the same account fails the instance', async () => {
    const handle = await env.client.startNew(Transfer, { from: 'alice', to: 'alice', amount: 1 });
    const error = await handle.result({ timeout: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrchestrationFailedError);
    expect((error as OrchestrationFailedError).failureDetails?.message).toMatch(/two different accounts/);
  });

  it('many concurrent transfers among a few accounts keep the total exact', async () => {
    const ids = ['a1', 'a2', 'a3', 'a4'];
    const opening = 50_000;
    await open(Object.fromEntries(ids.map((id) => [id, opening])));
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const requests: TransferRequest[] = Array.from({ length: 120 }, () => {
      const from = Math.floor(random() * ids.length);
      const to = (from + 1 + Math.floor(random() * (ids.length - 1))) % ids.length;
      return { from: ids[from]!, to: ids[to]!, amount: 1 + Math.floor(random() * 30_000) };
    });

    const handles = await Promise.all(requests.map((request) => env.client.startNew(Transfer, request)));
    const results = await Promise.all(handles.map((handle) => handle.result({ timeout: 60_000 })));

    const balances = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await balanceOf(id)] as const)));
    expect(Object.values(balances).reduce((a, b) => a + b, 0)).toBe(opening * ids.length);
    for (const id of ids) expect(balances[id]).toBeGreaterThanOrEqual(0);
    // Every balance is the opening one plus the transfers that went through: none was half done.
    const expected = Object.fromEntries(ids.map((id) => [id, opening]));
    requests.forEach((request, i) => {
      if (!results[i]!.transferred) return;
      expected[request.from]! -= request.amount;
      expected[request.to]! += request.amount;
    });
    expect(balances).toEqual(expected);
    expect(results.some((r) => r.transferred)).toBe(true);
  });

  it('transfers in opposite directions at the same time do not deadlock', async () => {
    await open({ x: 100_000, y: 100_000 });
    const requests: TransferRequest[] = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? { from: 'x', to: 'y', amount: 1_000 } : { from: 'y', to: 'x', amount: 1_500 },
    );
    const handles = await Promise.all(requests.map((request) => env.client.startNew(Transfer, request)));
    const results = await Promise.all(handles.map((handle) => handle.result({ timeout: 60_000 })));
    expect(results.every((r) => r.transferred)).toBe(true);
    expect(await balanceOf('x')).toBe(100_000 - 20 * 1_000 + 20 * 1_500);
    expect(await balanceOf('y')).toBe(100_000 + 20 * 1_000 - 20 * 1_500);
  });

  it('the runnable demo keeps its total', async () => {
    const lines: string[] = [];
    const result = await runBankTransferDemo(env.client, { runId: 't', accounts: 3, transfers: 30, log: (line) => lines.push(line) });
    expect(result.total).toBe(result.expectedTotal);
    expect(result.transferred + result.refused).toBe(30);
    expect(lines.at(-1)).toBe('OK: the total is still 3000.00.');
  });
});
