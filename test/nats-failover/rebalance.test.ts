import { Kvm } from '@nats-io/kv';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableApp } from '../../src/index';
import { ownerOf } from '../../src/engine/nats/partition-leases';
import { tempDir } from '../helpers';
import { ALL_LEDGER_KEYS, Ledger, Relay, ledgerKey } from './fixtures/entities';
import { PARTITIONS, Scenario, disposeScenarios, exactlyOnceProblems, overlaps, waitForQuiet, waitFor } from './support';

const LEASE_TIME_MS = 3000;

/** A worker in this process, with the id it heartbeats under. */
interface Member {
  readonly name: string;
  readonly app: DurableApp;
  readonly id: string;
  stopped: boolean;
  /** Stops the app gracefully, then removes its data directory. */
  stop(): Promise<void>;
}

const members: Member[] = [];

afterEach(async () => {
  await Promise.allSettled(
    members
      .splice(0)
      .filter((m) => !m.stopped)
      .map((m) => m.stop()),
  );
  await disposeScenarios();
});

/** The partitions rendezvous hashing gives each of `ids`. */
function assignment(ids: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>(ids.map((id) => [id, []]));
  for (let p = 0; p < PARTITIONS; p++) out.get(ownerOf(p, ids)!)!.push(p);
  return out;
}

/** Worker ids the way a hub connection makes them (12 characters of [A-Za-z0-9]), from a seeded generator. */
function seededIds(seed: number): () => string {
  let state = seed >>> 0;
  const byte = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0xff;
  };
  return () =>
    Buffer.from(Array.from({ length: 9 }, byte))
      .toString('base64url')
      .replace(/[^A-Za-z0-9]/g, 'x');
}

describe('NATS rebalancing on join and leave', () => {
  it('spreads partitions when workers join, hands a gracefully stopped worker’s partitions over at once, and loses no update', async () => {
    const scenario = await Scenario.open('rebalance', LEASE_TIME_MS);

    const start = async (name: string): Promise<Member> => {
      const before = new Set(await scenario.liveWorkerIds());
      const dir = await tempDir('jetstate-rebalance-');
      const app = await DurableApp.create({
        entities: [Ledger, Relay],
        nats: scenario.server.url,
        hub: scenario.hub,
        dataDir: dir.path,
        leaseTimeMs: LEASE_TIME_MS,
        logger: { level: 'silent' },
      });
      await app.start();
      const id = (await scenario.liveWorkerIds()).find((w) => !before.has(w));
      expect(id, `${name} heartbeats`).toBeDefined();
      const member: Member = {
        name,
        app,
        id: id!,
        stopped: false,
        async stop() {
          member.stopped = true;
          await app.stop();
          await dir.remove();
        },
      };
      members.push(member);
      return member;
    };
    const running = (): Member[] => members.filter((m) => !m.stopped);

    /** Lease holders, heartbeats and every running app's own view agree on the rendezvous assignment. */
    const onRendezvousAssignment = async (): Promise<boolean> => {
      const live = running();
      const ids = await scenario.liveWorkerIds();
      if (ids.length !== live.length || !live.every((m) => ids.includes(m.id))) return false;
      const expected = assignment(ids);
      const holders = await scenario.leaseHolders();
      for (let p = 0; p < PARTITIONS; p++) if (holders.get(p) !== ownerOf(p, ids)) return false;
      return live.every((m) => JSON.stringify(m.app.stats().partitions) === JSON.stringify(expected.get(m.id)));
    };
    const describe = async (): Promise<string> =>
      `${running()
        .map((m) => `${m.name}(${m.id}) ${JSON.stringify(m.app.stats().partitions)}`)
        .join(' | ')} heartbeats ${JSON.stringify(await scenario.liveWorkerIds().catch(() => []))}`;
    const waitForRendezvous = (what: string): Promise<void> => waitFor(what, onRendezvousAssignment, 20_000, describe, 50);
    /** At a quiet moment: every partition owned, by exactly one app. */
    const expectQuietOwnership = (): void => {
      const views = running().map((m) => m.app.stats().partitions);
      expect(overlaps(views)).toEqual([]);
      expect(new Set(views.flat()).size).toBe(PARTITIONS);
    };

    /**
     * Starts a worker that rendezvous hashing gives a share. (Hashing can leave a worker id
     * without a partition, rarely with a well-mixed score, see the distribution test below;
     * such a joiner proves nothing about rebalancing, so it is stopped and another started.)
     */
    const join = async (name: string): Promise<Member> => {
      for (let attempt = 1; ; attempt++) {
        const member = await start(`${name}#${attempt}`);
        const shares = assignment(running().map((m) => m.id));
        if ([...shares.values()].every((share) => share.length > 0)) return member;
        await member.stop();
        expect(attempt, 'joiners without a share in a row').toBeLessThan(12);
      }
    };

    // One worker owns everything.
    const first = await start('first');
    await waitForRendezvous('the first worker owns all 32 partitions');
    expect(first.app.stats().partitions).toHaveLength(PARTITIONS);

    const client = await scenario.client();
    const burst = scenario.burst(client, { window: 16, pauseMs: 5, first: 1, relayEvery: 3 });
    await burst.acknowledged(500);

    // A second and a third worker join: the partitions spread, each owns some.
    const second = await join('second');
    await waitForRendezvous('two workers share the partitions');
    expectQuietOwnership();
    expect(second.app.stats().partitions.length).toBeGreaterThan(0);
    expect(first.app.stats().partitions.length).toBeGreaterThan(0);
    await burst.acknowledged(burst.acked.size + 500);

    const third = await join('third');
    await waitForRendezvous('three workers share the partitions');
    expectQuietOwnership();
    for (const m of [first, second, third]) expect(m.app.stats().partitions.length, m.name).toBeGreaterThan(0);
    await burst.acknowledged(burst.acked.size + 500);

    // A graceful stop gives up the leases at once: as soon as stop() returns, no lease is
    // held by the stopped worker and its heartbeat is gone, long before any of it would expire.
    const handedOver = second.app.stats().partitions;
    await second.stop();
    const leases = await new Kvm(scenario.raw).open(`${scenario.hub}_leases`);
    for (const p of handedOver) {
      const entry = await leases.get(`p${p}`);
      expect(entry?.operation === 'PUT' && entry.string() === second.id, `lease p${p} still held by the stopped worker`).toBe(false);
    }
    expect(await scenario.liveWorkerIds()).not.toContain(second.id);

    await waitForRendezvous('the remaining workers take the stopped worker’s partitions');
    expectQuietOwnership();
    await burst.acknowledged(burst.acked.size + 500);
    await burst.stop();
    expect(burst.rejected.size, [...burst.rejected.values()].slice(0, 3).join('; ')).toBe(0);

    // No update lost or doubled through the moves: each ledger holds exactly the numbers
    // acknowledged for it (directly or through a relay).
    const { lists, wentQuiet, pending } = await waitForQuiet(scenario, client, burst, 30_000);
    expect(exactlyOnceProblems(lists, burst), await describe()).toEqual([]);
    expect(wentQuiet, `${pending} inputs left uncommitted in the work stream`).toBe(true);
    for (const key of ALL_LEDGER_KEYS) {
      const acknowledged = [...burst.acked].filter((n) => ledgerKey(n) === key).length;
      expect(lists.ledger.get(key)!.length, key).toBe(acknowledged);
    }
  }, 90_000);

  it('rendezvous hashing gives every worker a fair share of the partitions', () => {
    // Deterministic worker ids of the form the hub connection generates. With a well-mixed
    // score, 2 or 3 workers practically never leave one without a partition (the chance is
    // 3·(2/3)^32 ≈ 8e-6 per draw for 3 workers) and the smallest share stays near the mean.
    const nextId = seededIds(20_240_601);
    for (const workers of [2, 3]) {
      const trials = 400;
      let withoutPartition = 0;
      let smallestShares = 0;
      for (let t = 0; t < trials; t++) {
        const shares = [...assignment(Array.from({ length: workers }, nextId)).values()].map((s) => s.length);
        if (Math.min(...shares) === 0) withoutPartition++;
        smallestShares += Math.min(...shares);
      }
      expect(withoutPartition, `${workers} workers: draws where a worker gets no partition, of ${trials}`).toBeLessThanOrEqual(trials / 100);
      expect(smallestShares / trials, `${workers} workers: mean smallest share`).toBeGreaterThanOrEqual((PARTITIONS / workers) * 0.5);
    }
  });
});
