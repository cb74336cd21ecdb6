import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Scenario, disposeScenarios, exactlyOnceProblems, readLists, requireCompiledChild, waitForQuiet, waitFor } from './support';

afterEach(disposeScenarios);

describe('NATS server restart in the middle of a burst', () => {
  it('clients and workers reconnect by themselves; acknowledged signals apply exactly once, none twice', async () => {
    requireCompiledChild();
    const scenario = await Scenario.open('restart', 2000);
    const workers = [await scenario.spawnWorker('w1'), await scenario.spawnWorker('w2')];
    await waitFor(
      'the two workers agree on the rendezvous assignment',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment(workers)),
      20_000,
      () => scenario.describeWorkers(),
      100,
    );

    const client = await scenario.client();
    const burst = scenario.burst(client, { window: 32, pauseMs: 5, first: 1, relayEvery: 3 });
    await burst.acknowledged(1_500);

    // A graceful stop (SIGTERM: the server flushes its store), an outage, and a start on the
    // same port and store. Nobody reconnects anything by hand.
    await scenario.server.stop();
    const sentBeforeStop = burst.sent.size;
    await delay(1_500);
    await scenario.server.start();
    const ackedAtRestart = burst.acked.size;

    // The client publishes again...
    await waitFor(
      'acknowledgements resume after the restart',
      () => burst.acked.size >= ackedAtRestart + 1_500,
      30_000,
      () => `${burst.acked.size} acknowledged, ${burst.rejected.size} rejected. ${scenario.describeWorkers()}`,
    );
    // ...and the workers hold every partition again between them.
    await waitFor(
      'the workers agree on the assignment after the restart',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment(workers)),
      30_000,
      () => `${scenario.describeWorkers()}\n${scenario.describeLogs()}`,
      100,
    );
    await burst.acknowledged(burst.acked.size + 500);
    await burst.stop();
    scenario.assertWorkersAlive();

    const { lists, wentQuiet, pending } = await waitForQuiet(scenario, client, burst, 30_000);
    const context = wentQuiet ? '' : `${scenario.describeWorkers()}\n${await scenario.describeWork()}\n${scenario.describeLogs()}`;
    // Every signal whose promise resolved is applied once; a signal whose promise rejected
    // during the outage may or may not be, but nothing is applied twice or out of nowhere.
    expect(exactlyOnceProblems(lists, burst), context).toEqual([]);
    expect(wentQuiet, `${pending} inputs left uncommitted in the work stream. ${context}`).toBe(true);

    // The restart happened mid-burst: signals sent after it were acknowledged and applied.
    const afterRestart = [...burst.acked].filter((n) => n > sentBeforeStop);
    expect(afterRestart.length).toBeGreaterThanOrEqual(2_000);
    const recorded = new Set([...(await readLists(client)).ledger.values()].flat());
    expect(afterRestart.filter((n) => burst.sent.get(n) !== 'relay' && !recorded.has(n))).toEqual([]);
    // The workers processed before and after the restart, in the same processes.
    for (const worker of workers) expect(worker.alive, worker.describe()).toBe(true);
  }, 90_000);
});
