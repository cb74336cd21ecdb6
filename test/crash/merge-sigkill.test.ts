import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { DurableApp } from '../../src/index';
import { startApp, tempDir } from '../helpers';
import { cleanups, requireCompiled, running } from './child-processes';
import { RELAY_KEYS, TAPE_KEYS, Tape, TapeRelay, relayKey, tapeKey } from './fixtures/merge-burst-child';

const CHILD = join(process.cwd(), 'build/test/crash/fixtures/merge-burst-child.js');

type Mode = 'direct' | 'relay';

interface History {
  readonly sent: Map<number, Mode>;
  readonly acked: Set<number>;
  /** The last `stats` line of each run: signals received, messages applied, operations applied. */
  readonly folding: [number, number, number][];
}

/** Runs the child on `dataDir` and kills it with SIGKILL once `killAfterAcks` signals were acknowledged. */
async function burstAndKill(dataDir: string, mode: Mode, first: number, killAfterAcks: number, history: History): Promise<{ sent: number; acked: number }> {
  const reportFile = join(dirname(dataDir), `report-${first}.log`);
  const report = await open(reportFile, 'w+');
  const child = spawn(process.execPath, [CHILD, dataDir, mode, String(first), reportFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exitSignal: NodeJS.Signals | null | undefined;
  const exited = new Promise<void>((resolve) => child.on('exit', (_code, signal) => (running.delete(child), (exitSignal = signal), resolve())));
  let sent = 0;
  let acked = 0;
  let killed = false;
  let offset = 0;
  let pending = '';
  let lastStats: [number, number, number] = [0, 0, 0];
  const buffer = Buffer.alloc(1 << 20);
  const readReport = async (): Promise<void> => {
    for (;;) {
      const { bytesRead } = await report.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      pending += buffer.toString('utf8', 0, bytesRead);
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [kind, ...rest] = line.split(' ');
        if (kind === 'sent') (history.sent.set(Number(rest[0]), mode), sent++);
        else if (kind === 'ack') (history.acked.add(Number(rest[0])), acked++);
        else if (kind === 'stats') lastStats = rest.map(Number) as [number, number, number];
        else if (kind !== 'ready') throw new Error(`unexpected report line: ${line} ${stderr}`);
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
  if (!killed || exitSignal !== 'SIGKILL') throw new Error(`the child ended by itself (signal ${exitSignal}): ${stderr}`);
  history.folding.push(lastStats);
  return { sent, acked };
}

interface Lists {
  readonly tapes: ReadonlyMap<string, readonly number[]>;
  readonly relays: ReadonlyMap<string, readonly number[]>;
}

async function listAll(app: DurableApp): Promise<Lists> {
  const relayKeys = Array.from({ length: RELAY_KEYS }, (_, i) => `relay-${i}`);
  const tapeKeys = Array.from({ length: TAPE_KEYS }, (_, i) => `tape-${i}`);
  const relays = await Promise.all(relayKeys.map((key) => app.client.entity(TapeRelay, key).call.list()));
  const tapes = await Promise.all(tapeKeys.map((key) => app.client.entity(Tape, key).call.list()));
  return { relays: new Map(relayKeys.map((k, i) => [k, relays[i]!])), tapes: new Map(tapeKeys.map((k, i) => [k, tapes[i]!])) };
}

async function recoverAndList(dataDir: string): Promise<Lists> {
  const app = await startApp(dataDir, { entities: [Tape, TapeRelay] });
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

/** Every acknowledged number once, nothing twice, nothing unsent, each sender's order kept. */
function problems(lists: Lists, history: History): string[] {
  const found: string[] = [];
  const count = (map: ReadonlyMap<string, readonly number[]>, keyOf: (n: number) => string): Map<number, number> => {
    const counts = new Map<number, number>();
    for (const [key, numbers] of map) {
      for (const n of numbers) {
        counts.set(n, (counts.get(n) ?? 0) + 1);
        if (keyOf(n) !== key) found.push(`${n} under ${key}`);
      }
      // One sender (the client, or one relay) numbers its signals in order.
      for (const r of [...Array(RELAY_KEYS).keys(), -1]) {
        const own = numbers.filter((n) => (r === -1 ? history.sent.get(n) === 'direct' : history.sent.get(n) === 'relay' && n % RELAY_KEYS === r));
        if (
          !isDeepStrictEqual(
            own,
            [...own].sort((a, b) => a - b),
          )
        )
          found.push(`${key} holds sender ${r}'s numbers out of order`);
      }
    }
    return counts;
  };
  const tapes = count(lists.tapes, tapeKey);
  const relays = count(lists.relays, relayKey);
  for (const [n, c] of tapes) if (c > 1) found.push(`${n} applied ${c} times`);
  for (const n of tapes.keys()) if (!history.sent.has(n)) found.push(`${n} never sent`);
  for (const n of history.acked) {
    const applied = history.sent.get(n) === 'relay' ? relays.get(n) : tapes.get(n);
    if (applied !== 1) found.push(`acknowledged ${n} applied ${applied ?? 0} times`);
  }
  for (const n of relays.keys()) if (tapes.get(n) !== 1) found.push(`forwarded ${n} reached a tape ${tapes.get(n) ?? 0} times`);
  for (const [n, mode] of history.sent) if (mode === 'relay' && tapes.has(n) && !relays.has(n)) found.push(`${n} on a tape without its forward`);
  return found.slice(0, 20);
}

async function freshDataDir(): Promise<string> {
  const dir = await tempDir('jetstate-merge-crash-');
  cleanups.push(dir.remove);
  return join(dir.path, 'data');
}

describe('SIGKILL during a burst of mergeable signals (embedded engine)', () => {
  it('applies every acknowledged signal exactly once, in order, whether folded in the client buffer or in an outbox', async () => {
    requireCompiled(CHILD);
    const dataDir = await freshDataDir();
    const history: History = { sent: new Map(), acked: new Set(), folding: [] };
    const runs: [Mode, number][] = [
      ['direct', 3_000],
      ['relay', 2_000],
      ['direct', 20_000],
      ['relay', 10_000],
    ];
    for (const [cycle, [mode, killAfterAcks]] of runs.entries()) {
      const run = await burstAndKill(dataDir, mode, (cycle + 1) * 10_000_000, killAfterAcks, history);
      expect(run.sent).toBeGreaterThan(run.acked);
      expect(problems(await recoverAndList(dataDir), history)).toEqual([]);
    }
    // Folding happened: fewer messages than signals in each direct run (the client buffer), and
    // over the relay runs (outboxes; a relay run's last report may predate its first commits).
    const [direct1, relay1, direct2, relay2] = history.folding;
    for (const [signals, messages] of [direct1!, direct2!]) expect(messages).toBeLessThan(signals / 10);
    expect(relay1![1] + relay2![1]).toBeLessThan(relay1![0] + relay2![0]);
  }, 120_000);
});
