import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Scenario, disposeScenarios, exactlyOnceProblems, requireCompiledChild, waitForQuiet, waitFor } from './support';

afterEach(disposeScenarios);

describe('a worker and the NATS server SIGKILLed at the same moment', () => {
  it('the surviving worker takes over once the server is back, a restarted worker rejoins, and acknowledged signals apply exactly once', async () => {
    requireCompiledChild();
    const scenario = await Scenario.open('both-killed', 2000);
    const survivor = await scenario.spawnWorker('w1');
    const victim = await scenario.spawnWorker('w2');
    await waitFor(
      'the two workers agree on the rendezvous assignment',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment([survivor, victim])),
      20_000,
      () => scenario.describeWorkers(),
      100,
    );

    const client = await scenario.client();
    const burst = scenario.burst(client, { window: 32, pauseMs: 5, first: 1, relayEvery: 3 });
    await burst.acknowledged(1_500);

    // Nothing is flushed by either: the worker's batch in flight and the server's unsynced
    // store go down together.
    await Promise.all([victim.kill(), scenario.server.kill()]);
    const ackedAtKill = burst.acked.size;
    await delay(1_000);
    await scenario.server.start();

    await waitFor(
      'acknowledgements resume after the server is back',
      () => burst.acked.size >= ackedAtKill + 1_000,
      45_000,
      () => `${burst.acked.size} acknowledged, ${burst.rejected.size} rejected. ${scenario.describeWorkers()}`,
    );
    await waitFor(
      'the surviving worker holds every partition',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment([survivor])),
      45_000,
      () => `${scenario.describeWorkers()}\n${scenario.describeLogs()}`,
      100,
    );

    // The killed worker comes back (a new process, the same data directory) and takes its share again.
    const rejoined = await scenario.spawnWorker('w2');
    await waitFor(
      'the restarted worker rejoins',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment([survivor, rejoined])),
      45_000,
      () => `${scenario.describeWorkers()}\n${scenario.describeLogs()}`,
      100,
    );
    await burst.acknowledged(burst.acked.size + 500);
    await burst.stop();

    const { lists, wentQuiet, pending } = await waitForQuiet(scenario, client, burst, 45_000);
    const context = wentQuiet ? '' : `${scenario.describeWorkers()}\n${await scenario.describeWork()}\n${scenario.describeLogs()}`;
    expect(exactlyOnceProblems(lists, burst), context).toEqual([]);
    expect(wentQuiet, `${pending} inputs left uncommitted in the work stream. ${context}`).toBe(true);
    expect(rejoined.partitions().length, rejoined.describe()).toBeGreaterThan(0);
  }, 240_000);
});
