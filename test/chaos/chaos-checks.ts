/**
 * The checks at the end of a chaos run, against committed state: exactly-once per
 * signal id, every transfer ended, and the bank's total and balances (read with calls,
 * so an account left locked shows as one that does not answer).
 */
import type { DurableClient } from '../../src/index';
import { Account, type TransferResult } from '../../examples/bank-transfer';
import { ALL_TALLY_KEYS, Tally, tallyKey } from './fixtures/tally';
import type { SignalDriver } from './signal-driver';
import { hasEnded, type TransferDriver } from './transfer-driver';

export interface SignalVerdict {
  readonly sent: number;
  readonly acked: number;
  readonly rejected: number;
  /** Distinct ids recorded by the tallies. */
  readonly applied: number;
  /** Acknowledged ids no tally recorded. */
  readonly lost: readonly number[];
  /** Ids recorded more than once (acknowledged or not). */
  readonly duplicated: readonly number[];
  /** Ids recorded that were never sent, or under the wrong key. */
  readonly foreign: readonly number[];
  /** Rejected ids that were applied anyway (allowed: at most once). */
  readonly rejectedApplied: number;
  /** Tallies that lost acknowledged ids, with how many each. */
  readonly lostByEntity: ReadonlyMap<string, number>;
  /**
   * Of the lost ids, how many the owning worker's live instance lacks too (asked with a
   * call), and how many tallies did not answer: tells a stale state stream from lost work.
   */
  readonly lostPerOwner: number;
  readonly lostUnanswered: number;
}

/** With `confirm` false, lost ids are not asked about (a quick look while waiting for the hub to settle). */
export async function checkSignals(client: DurableClient, driver: SignalDriver, confirm = true): Promise<SignalVerdict> {
  const lists = await Promise.all(ALL_TALLY_KEYS.map(async (key) => [key, (await client.entity(Tally, key).read()).entityState?.ids ?? []] as const));
  const count = new Map<number, number>();
  const foreign: number[] = [];
  for (const [key, ids] of lists) {
    for (const id of ids) {
      count.set(id, (count.get(id) ?? 0) + 1);
      if (!Number.isInteger(id) || id < 1 || id > driver.sent || tallyKey(id) !== key) foreign.push(id);
    }
  }
  const lost = [...driver.acked].filter((id) => !count.has(id)).sort((a, b) => a - b);
  const lostByEntity = new Map<string, number>();
  for (const id of lost) lostByEntity.set(tallyKey(id), (lostByEntity.get(tallyKey(id)) ?? 0) + 1);
  let lostPerOwner = 0;
  let lostUnanswered = 0;
  await Promise.all(
    [...lostByEntity.keys()]
      .filter(() => confirm)
      .map(async (key) => {
        const live = await client
          .entity(Tally, key)
          .call.list()
          .catch(() => undefined);
        if (live === undefined) {
          lostUnanswered++;
          return;
        }
        const has = new Set(live);
        lostPerOwner += lost.filter((id) => tallyKey(id) === key && !has.has(id)).length;
      }),
  );
  return {
    sent: driver.sent,
    acked: driver.acked.size,
    rejected: driver.rejected.size,
    applied: count.size,
    lost,
    duplicated: [...count]
      .filter(([, n]) => n > 1)
      .map(([id]) => id)
      .sort((a, b) => a - b),
    foreign,
    rejectedApplied: [...driver.rejected].filter((id) => count.has(id)).length,
    lostByEntity,
    lostPerOwner,
    lostUnanswered,
  };
}

export interface TransferVerdict {
  readonly attempted: number;
  readonly started: number;
  readonly transferred: number;
  readonly refused: number;
  /** Ended other than Completed (Failed, Terminated, ...), with the reason. */
  readonly failed: readonly string[];
  /** Still Pending, Running or Suspended. */
  readonly stuck: readonly string[];
  /** Acknowledged starts whose instance does not exist. */
  readonly missing: readonly string[];
  /** Instances the check could not read. */
  readonly unreadable: readonly string[];
}

/** Reads the status of every instance the driver tried to start (`ended` ones are only counted). */
export async function checkTransfers(client: DurableClient, driver: TransferDriver): Promise<TransferVerdict> {
  let transferred = 0;
  let refused = 0;
  const failed: string[] = [];
  const stuck: string[] = [];
  const missing: string[] = [];
  const unreadable: string[] = [];
  const ids = driver.attempted;
  for (let i = 0; i < ids.length; i += 64) {
    await Promise.all(
      ids.slice(i, i + 64).map(async (id) => {
        const status = await client.getStatus(id, { showInput: false }).catch(() => null);
        if (status === null) unreadable.push(id);
        else if (status === undefined) {
          if (driver.started.has(id)) missing.push(id);
        } else if (!hasEnded(status.runtimeStatus)) stuck.push(`${id} (${status.runtimeStatus})`);
        else if (status.runtimeStatus !== 'Completed')
          failed.push(`${id} (${status.runtimeStatus}: ${status.failureDetails?.message ?? String(status.output ?? '')})`);
        else if ((status.output as TransferResult | undefined)?.transferred) transferred++;
        else refused++;
      }),
    );
  }
  return { attempted: ids.length, started: driver.started.size, transferred, refused, failed, stuck, missing, unreadable };
}

export interface BankVerdict {
  readonly accounts: number;
  readonly expectedTotal: number;
  readonly total: number;
  readonly negative: readonly string[];
  /** Accounts whose `balance` call did not answer (left locked, or their partition stuck). */
  readonly unanswered: readonly string[];
}

export async function checkBank(client: DurableClient, accounts: readonly string[], expectedTotal: number): Promise<BankVerdict> {
  const unanswered: string[] = [];
  const balances = await Promise.all(
    accounts.map(async (id) => {
      const account = client.entity(Account, id);
      // Two tries: a partition may still be moving to a worker that was just brought back.
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          return await account.call.balance();
        } catch {
          // Try again, then give up.
        }
      }
      unanswered.push(id);
      // Still count its money: the committed snapshot says what it holds.
      return (await account.read().catch(() => undefined))?.entityState?.cents ?? 0;
    }),
  );
  return {
    accounts: accounts.length,
    expectedTotal,
    total: balances.reduce((a, b) => a + b, 0),
    negative: accounts.flatMap((id, i) => (balances[i]! < 0 ? [`${id}=${balances[i]}`] : [])),
    unanswered,
  };
}
