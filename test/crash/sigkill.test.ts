import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { DurableApp } from '../../src/index';
import { startApp, tempDir } from '../helpers';
import { cleanups, requireCompiled, running } from './child-processes';
import { LEDGER_KEYS, Ledger, RELAY_KEYS, Relay, ledgerKey, relayKey } from './fixtures/burst-child';

// The child runs as plain Node on tsc's output, not through the test transform.
const CHILD = join(process.cwd(), 'build/test/crash/fixtures/burst-child.js');

type Mode = 'direct' | 'relay';

/** What the children reported, accumulated over every run on one data directory. */
interface History {
  readonly sent: Map<number, Mode>;
  readonly acked: Map<number, Mode>;
}

interface EntityLists {
  readonly ledger: ReadonlyMap<string, readonly number[]>;
  readonly relay: ReadonlyMap<string, readonly number[]>;
}

const requireCompiledChild = (): void => requireCompiled(CHILD);

/**
 * Starts the child on `dataDir`, lets it burst signals numbered from `first`, and kills it
 * with SIGKILL as soon as `killAfterAcks` of them have been acknowledged. Records every
 * number the child reported as sent or acknowledged, including what it reported between
 * the decision to kill and its death.
 */
async function burstAndKill(dataDir: string, mode: Mode, first: number, killAfterAcks: number, history: History): Promise<{ sent: number; acked: number }> {
  const reportFile = join(dirname(dataDir), `report-${first}.log`);
  const report = await open(reportFile, 'w+');
  const child = spawn(process.execPath, [CHILD, dataDir, mode, String(first), reportFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      running.delete(child);
      resolve(signal);
    });
  });
  let exitSignal: NodeJS.Signals | null | undefined;
  void exited.then(
    (signal) => (exitSignal = signal),
    () => (exitSignal = null),
  );

  let sent = 0;
  let acked = 0;
  let killed = false;
  let offset = 0;
  let pending = '';
  const unexpected: string[] = [];
  const buffer = Buffer.alloc(1 << 20);
  const readReport = async (): Promise<void> => {
    for (;;) {
      const { bytesRead } = await report.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      pending += buffer.toString('utf8', 0, bytesRead);
      const lines = pending.split('\n');
      // Only complete lines count; a trailing fragment waits for the rest.
      pending = lines.pop()!;
      for (const line of lines) {
        const [kind, number] = line.split(' ');
        if (kind === 'sent') {
          history.sent.set(Number(number), mode);
          sent++;
        } else if (kind === 'ack') {
          history.acked.set(Number(number), mode);
          acked++;
        } else if (kind !== 'ready') {
          unexpected.push(line);
        }
      }
    }
  };
  try {
    while (exitSignal === undefined) {
      await readReport();
      if (!killed && acked >= killAfterAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
      await delay(2);
    }
    await exited;
    await readReport();
  } finally {
    await report.close();
  }
  if (!killed || exitSignal !== 'SIGKILL' || unexpected.length > 0) {
    throw new Error(`the child ended by itself (signal ${exitSignal}): ${unexpected.join('; ')} ${stderr}`);
  }
  return { sent, acked };
}

async function listAll(app: DurableApp): Promise<EntityLists> {
  const relayKeys = Array.from({ length: RELAY_KEYS }, (_, i) => relayKey(i));
  const ledgerKeys = Array.from({ length: LEDGER_KEYS }, (_, i) => ledgerKey(i));
  // Relays first: what they forward reaches the ledgers before the ledgers are asked.
  const relay = await Promise.all(relayKeys.map((key) => app.client.entity(Relay, key).call.list()));
  const ledger = await Promise.all(ledgerKeys.map((key) => app.client.entity(Ledger, key).call.list()));
  return {
    relay: new Map(relayKeys.map((key, i) => [key, relay[i]!])),
    ledger: new Map(ledgerKeys.map((key, i) => [key, ledger[i]!])),
  };
}

/** Restarts on `dataDir` in-process and returns the entities' lists once they stop changing. */
async function recoverAndList(dataDir: string): Promise<EntityLists> {
  const app = await startApp(dataDir, { entities: [Ledger, Relay] });
  try {
    let previous = await listAll(app);
    for (let round = 0; round < 100; round++) {
      const current = await listAll(app);
      if (isDeepStrictEqual(current, previous)) return current;
      previous = current;
    }
    throw new Error('the entities kept changing after recovery');
  } finally {
    await app.stop();
  }
}

/** How many times each number occurs, and the numbers stored under a key they do not belong to. */
function occurrences(lists: ReadonlyMap<string, readonly number[]>, keyOf: (n: number) => string): { counts: Map<number, number>; misplaced: number[] } {
  const counts = new Map<number, number>();
  const misplaced: number[] = [];
  for (const [key, numbers] of lists) {
    for (const n of numbers) {
      counts.set(n, (counts.get(n) ?? 0) + 1);
      if (keyOf(n) !== key) misplaced.push(n);
    }
  }
  return { counts, misplaced };
}

function expectNone(what: string, numbers: readonly number[]): void {
  expect(numbers, `${what}: ${numbers.length}, e.g. ${numbers.slice(0, 10).join(', ')}`).toHaveLength(0);
}

/** The exactly-once guarantee, checked against everything the children reported. */
function expectExactlyOnce(lists: EntityLists, history: History): void {
  const ledger = occurrences(lists.ledger, ledgerKey);
  const relay = occurrences(lists.relay, relayKey);
  const ackedOf = (mode: Mode): number[] => [...history.acked].filter(([, m]) => m === mode).map(([n]) => n);

  expectNone(
    'numbers recorded twice by a ledger',
    [...ledger.counts].filter(([, c]) => c > 1).map(([n]) => n),
  );
  expectNone(
    'numbers forwarded twice by a relay',
    [...relay.counts].filter(([, c]) => c > 1).map(([n]) => n),
  );
  expectNone('numbers under the wrong key', [...ledger.misplaced, ...relay.misplaced]);
  expectNone(
    'ledger numbers that were never sent',
    [...ledger.counts.keys()].filter((n) => !history.sent.has(n)),
  );
  expectNone(
    'relay numbers that were never sent to a relay',
    [...relay.counts.keys()].filter((n) => history.sent.get(n) !== 'relay'),
  );

  // Every acknowledged signal was applied.
  expectNone(
    'acknowledged ledger signals that were lost',
    ackedOf('direct').filter((n) => ledger.counts.get(n) !== 1),
  );
  expectNone(
    'acknowledged relay signals that were lost',
    ackedOf('relay').filter((n) => relay.counts.get(n) !== 1),
  );

  // A relay's signal to a ledger commits with the relay's state: applied forwards (acknowledged
  // or not) each reached a ledger once, and no ledger got one from a forward that was not applied.
  expectNone(
    'forwarded numbers missing from the ledgers',
    [...relay.counts.keys()].filter((n) => ledger.counts.get(n) !== 1),
  );
  expectNone(
    'ledger numbers from forwards that were not applied',
    [...ledger.counts.keys()].filter((n) => history.sent.get(n) === 'relay' && !relay.counts.has(n)),
  );
}

async function freshDataDir(): Promise<string> {
  const dir = await tempDir('jetstate-crash-');
  cleanups.push(dir.remove);
  return join(dir.path, 'data');
}

describe('SIGKILL in the middle of a burst of signals', () => {
  it('applies every acknowledged client signal exactly once after each of three kills', async () => {
    requireCompiledChild();
    const dataDir = await freshDataDir();
    const history: History = { sent: new Map(), acked: new Map() };
    const killPoints = [150, 4_000, 25_000];

    for (const [cycle, killAfterAcks] of killPoints.entries()) {
      const run = await burstAndKill(dataDir, 'direct', (cycle + 1) * 1_000_000, killAfterAcks, history);
      expect(run.acked).toBeGreaterThanOrEqual(killAfterAcks);
      // Killed mid-burst: signals were still in flight.
      expect(run.sent).toBeGreaterThan(run.acked);

      const lists = await recoverAndList(dataDir);
      expectExactlyOnce(lists, history);
    }
    expect(history.acked.size).toBeGreaterThanOrEqual(killPoints.reduce((a, b) => a + b));
  });

  it('applies signals sent from inside operations exactly once, across back-to-back kills', async () => {
    requireCompiledChild();
    const dataDir = await freshDataDir();
    const history: History = { sent: new Map(), acked: new Map() };

    // The second child recovers what the first left in flight while it bursts, and is killed too.
    const first = await burstAndKill(dataDir, 'relay', 1_000_000, 300, history);
    const second = await burstAndKill(dataDir, 'relay', 2_000_000, 8_000, history);
    for (const run of [first, second]) expect(run.sent).toBeGreaterThan(run.acked);

    const afterTwoKills = await recoverAndList(dataDir);
    expectExactlyOnce(afterTwoKills, history);
    const forwarded = [...afterTwoKills.relay.values()].reduce((sum, list) => sum + list.length, 0);
    expect(forwarded).toBeGreaterThanOrEqual(8_300);

    // A third kill, with client signals to the ledgers mixed into the same data directory.
    await burstAndKill(dataDir, 'direct', 3_000_000, 2_000, history);
    expectExactlyOnce(await recoverAndList(dataDir), history);
  });
});
