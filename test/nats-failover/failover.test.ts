import { afterEach, describe, expect, it } from 'vitest';
import { ledgerKey, relayKey } from './fixtures/entities';
import {
  Burst,
  PARTITIONS,
  Scenario,
  disposeScenarios,
  evenlySpread,
  exactlyOnceProblems,
  overlaps,
  ownership,
  partitionOfLedger,
  partitionOfRelay,
  requireCompiledChild,
  settle,
  waitFor,
} from './support';

afterEach(disposeScenarios);

describe('NATS failover after SIGKILL', () => {
  it('moves a killed worker’s partitions to the survivors and applies every acknowledged signal exactly once', async () => {
    requireCompiledChild();
    const scenario = await Scenario.open('failover', 2000);
    const workers = [await scenario.spawnWorker('w1'), await scenario.spawnWorker('w2'), await scenario.spawnWorker('w3')];

    // Rendezvous rebalancing spreads the 32 partitions over the three workers.
    await waitFor(
      'the partitions spread over three workers',
      () => (scenario.assertWorkersAlive(), evenlySpread(ownership(workers))),
      20_000,
      () => scenario.describeWorkers(),
    );

    const client = await scenario.client();
    const burst = new Burst(client, { window: 200, first: 1, count: 12_000, relayEvery: 3 }).start();

    // Kill the worker owning the most partitions once the burst is well under way, while
    // its partitions are busy: signals keep flowing to them after its death.
    await burst.acknowledged(3_000);
    scenario.assertWorkersAlive();
    const views = ownership(workers);
    const victimIndex = views.reduce((best, v, i) => (v.length > views[best]!.length ? i : best), 0);
    const victim = workers[victimIndex]!;
    const survivors = workers.filter((w) => w !== victim);
    const victimPartitions = new Set(victim.partitions());
    const appliedByVictim = victim.latest?.applied ?? 0;
    await victim.kill(); console.log("KILL", Date.now(), [...victimPartitions].length, appliedByVictim, burst.acked.size, burst.sent.size);
    const sentBeforeKill = burst.sent.size;
    expect(victim.exit?.signal).toBe('SIGKILL');

    // The survivors take every partition over once the victim's leases expire.
    await waitFor(
      'the two survivors own all 32 partitions',
      () => {
        scenario.assertWorkersAlive();
        const union = new Set(ownership(survivors).flat());
        return union.size === PARTITIONS;
      },
      20_000,
      () => scenario.describeWorkers(),
    );

    console.log("TAKEOVER", Date.now(), burst.acked.size); await burst.done; console.log("DONE", Date.now());
    expect(burst.rejected.size, [...burst.rejected.values()].slice(0, 3).join('; ')).toBe(0);
    expect(burst.acked.size).toBe(12_000);

    const { lists, settled, pending } = await settle(scenario, client, burst, 30_000);
    expect(exactlyOnceProblems(lists, burst), scenario.describeWorkers()).toEqual([]);
    expect(settled, `${pending} messages left in the work stream`).toBe(true);

    // At a quiet moment the two survivors split the partitions without overlap.
    await waitFor('the survivors settle', () => evenlySpread(ownership(survivors)), 10_000, () => scenario.describeWorkers());
    expect(overlaps(ownership(survivors))).toEqual([]);

    // The kill mattered: the victim was working, and signals went to its partitions after it died
    // (among them forwards from relays, whose outbox the survivors had to re-publish or apply).
    expect(appliedByVictim).toBeGreaterThan(0);
    const afterKill = [...burst.sent.keys()].filter((n) => n > sentBeforeKill);
    expect(afterKill.filter((n) => victimPartitions.has(partitionOfLedger(ledgerKey(n)))).length).toBeGreaterThan(0);
    expect(afterKill.filter((n) => burst.sent.get(n) === 'relay' && victimPartitions.has(partitionOfRelay(relayKey(n)))).length).toBeGreaterThan(0);
    const forwarded = [...lists.relay.values()].reduce((sum, list) => sum + list.length, 0);
    expect(forwarded).toBe([...burst.sent.values()].filter((k) => k === 'relay').length);
  }, 90_000);
});
