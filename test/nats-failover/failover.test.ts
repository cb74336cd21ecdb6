import { afterEach, describe, expect, it } from 'vitest';
import { ledgerKey, relayKey } from './fixtures/entities';
import {
  PARTITIONS,
  Scenario,
  disposeScenarios,
  exactlyOnceProblems,
  overlaps,
  ownership,
  partitionOfLedger,
  partitionOfRelay,
  requireCompiledChild,
  waitForQuiet,
  waitFor,
} from './support';

afterEach(disposeScenarios);

describe('NATS failover after SIGKILL', () => {
  it('moves a killed worker’s partitions to the survivors and applies every acknowledged signal exactly once', async () => {
    requireCompiledChild();
    const scenario = await Scenario.open('failover', 2000);
    const workers = [await scenario.spawnWorker('w1'), await scenario.spawnWorker('w2'), await scenario.spawnWorker('w3')];

    // Rendezvous rebalancing assigns the 32 partitions among the three workers. (How evenly
    // is rebalance.test.ts's concern; the victim below is whoever owns the most.)
    await waitFor(
      'the three workers agree on the rendezvous assignment',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment(workers)),
      20_000,
      () => scenario.describeWorkers(),
      100,
    );

    const client = await scenario.client();
    // A burst that runs until the test stops it, so signals keep arriving during the takeover.
    const burst = scenario.burst(client, { window: 200, first: 1, relayEvery: 3 });

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
    await victim.kill();
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

    // Keep the burst going a little past the takeover, then let it drain.
    await burst.acknowledged(burst.acked.size + 2_000);
    await burst.stop();
    expect(burst.rejected.size, [...burst.rejected.values()].slice(0, 3).join('; ')).toBe(0);
    expect(burst.acked.size).toBe(burst.sent.size);

    const { lists, wentQuiet, pending } = await waitForQuiet(scenario, client, burst, 30_000);
    const context = wentQuiet ? '' : `${scenario.describeWorkers()}\n${await scenario.describeWork()}\n${scenario.describeLogs()}`;
    expect(exactlyOnceProblems(lists, burst), context).toEqual([]);
    expect(wentQuiet, `${pending} inputs left uncommitted in the work stream. ${context}`).toBe(true);

    // At a quiet moment the two survivors hold the rendezvous assignment between them, without overlap.
    await waitFor(
      'the survivors agree on the assignment',
      () => scenario.agreeOnAssignment(survivors),
      10_000,
      () => scenario.describeWorkers(),
      100,
    );
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
