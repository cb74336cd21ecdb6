import { afterEach, describe, expect, it } from 'vitest';
import { Scenario, disposeScenarios, exactlyOnceProblems, ownership, requireCompiledChild, waitForQuiet, waitFor, PARTITIONS } from './support';

afterEach(disposeScenarios);

describe('NATS failover after SIGKILL, with mergeable operations', () => {
  it('applies every acknowledged signal exactly once when forwards are folded in outboxes and runs are merged in the apply loop', async () => {
    requireCompiledChild();
    const scenario = await Scenario.open('merge-failover', 2000);
    const workers = [await scenario.spawnWorker('w1'), await scenario.spawnWorker('w2'), await scenario.spawnWorker('w3')];
    await waitFor(
      'the three workers agree on the rendezvous assignment',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment(workers)),
      20_000,
      () => scenario.describeWorkers(),
      100,
    );

    const client = await scenario.client();
    // Every second number goes through a relay, so relays send runs of recordAll to each ledger.
    const burst = scenario.burst(client, { window: 300, first: 1, relayEvery: 2, merged: true });
    await burst.acknowledged(4_000);
    const views = ownership(workers);
    const victim = workers[views.reduce((best, v, i) => (v.length > views[best]!.length ? i : best), 0)]!;
    const survivors = workers.filter((w) => w !== victim);
    const victimStats = victim.latest;
    await victim.kill();
    expect(victim.exit?.signal).toBe('SIGKILL');

    await waitFor(
      'the two survivors own all 32 partitions',
      () => (scenario.assertWorkersAlive(), new Set(ownership(survivors).flat()).size === PARTITIONS),
      20_000,
      () => scenario.describeWorkers() + scenario.describeLogs(),
    );
    await burst.acknowledged(burst.acked.size + 3_000);
    await burst.stop();
    expect(burst.rejected.size, [...burst.rejected.values()].slice(0, 3).join('; ')).toBe(0);

    const { lists, wentQuiet, pending } = await waitForQuiet(scenario, client, burst, 30_000);
    const context = wentQuiet ? '' : `${scenario.describeWorkers()}\n${await scenario.describeWork()}\n${scenario.describeLogs()}`;
    expect(exactlyOnceProblems(lists, burst), context).toEqual([]);
    expect(wentQuiet, `${pending} inputs left uncommitted in the work stream. ${context}`).toBe(true);
    const forwarded = [...lists.relay.values()].reduce((sum, list) => sum + list.length, 0);
    expect(forwarded).toBe([...burst.sent.values()].filter((k) => k === 'relay').length);

    // The folding happened: the workers took fewer messages than the signals they stand for.
    const all = [victimStats, ...survivors.map((w) => w.latest)];
    const signals = all.reduce((sum, s) => sum + (s?.signalsReceived ?? 0), 0);
    const messages = all.reduce((sum, s) => sum + (s?.messagesApplied ?? 0), 0);
    expect(signals).toBeGreaterThan(0);
    expect(messages).toBeLessThan(signals);
  }, 120_000);
});
