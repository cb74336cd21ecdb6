/**
 * A hub on a 3-server JetStream cluster with 3 replicas of every stream and bucket. One
 * server is SIGKILLed in the middle of a burst (the leader of the work stream, which every
 * signal goes through): every acknowledged signal is applied exactly once, processing
 * resumes, and the killed server catches up once restarted. The second case also SIGKILLs a
 * worker at the same moment.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Scenario, disposeScenarios, exactlyOnceProblems, ownership, requireCompiledChild, waitForQuiet, waitFor } from './support';

afterEach(disposeScenarios);

/** Documented in docs/nats.md: how long acknowledgements may stop after a server dies. */
const RESUME_WITHIN_MS = 30_000;

async function streamLeader(jsm: JetStreamManager, stream: string): Promise<string> {
  const info = await jsm.streams.info(stream);
  return info.cluster?.leader ?? '';
}

async function replicasCurrent(jsm: JetStreamManager, stream: string): Promise<boolean> {
  const info = await jsm.streams.info(stream);
  const replicas = info.cluster?.replicas ?? [];
  return replicas.length === 2 && replicas.every((r) => r.current && !r.offline);
}

/**
 * Bursts signals at a hub on the cluster, SIGKILLs the work stream's leader (and, when
 * asked, a worker at the same moment, restarted once the other worker owns every partition)
 * and checks every acknowledged signal, the resumption, and the restarted server's catch-up.
 */
async function killLeaderMidBurst(name: string, options: { readonly killWorkerToo: boolean; readonly leaseTimeMs: number }): Promise<void> {
  requireCompiledChild();
  const scenario = await Scenario.openCluster(name, options.leaseTimeMs);
  // Workers and the client each connect to a different server.
  const workers = [await scenario.spawnWorker('w1', { member: 0 }), await scenario.spawnWorker('w2', { member: 1 })];
  await waitFor(
    'the workers agree on the assignment',
    () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment(workers)),
    30_000,
    () => scenario.describeWorkers(),
    100,
  );
  const jsm = await jetstreamManager(scenario.raw);
  const workStream = `${scenario.hub}_WORK`;
  expect((await jsm.streams.info(workStream)).config.num_replicas).toBe(3);
  expect((await jsm.streams.info(`KV_${scenario.hub}_leases`)).config.num_replicas).toBe(3);

  const client = await scenario.client(2);
  const burst = scenario.burst(client, { window: 64, first: 1, relayEvery: 3 });
  await burst.acknowledged(1_500);

  const leader = await streamLeader(jsm, workStream);
  const victim = scenario.cluster!.members.find((m) => m.name === leader)!;
  expect(victim, `the work stream's leader ${leader} is a member`).toBeDefined();
  const ackedAtKill = burst.acked.size;
  const killedAt = Date.now();
  await Promise.all([victim.kill(), ...(options.killWorkerToo ? [workers[0]!.kill()] : [])]);

  await waitFor(
    'acknowledgements resume after the kill',
    () => burst.acked.size >= ackedAtKill + 500,
    RESUME_WITHIN_MS,
    () => scenario.describeWorkers(),
  );
  const resumedMs = Date.now() - killedAt;
  expect(resumedMs, `acknowledgements resumed ${resumedMs} ms after the kill`).toBeLessThan(RESUME_WITHIN_MS);
  const running = options.killWorkerToo ? [workers[1]!] : workers;
  await waitFor(
    options.killWorkerToo ? 'the surviving worker owns every partition' : 'the workers own every partition again',
    () => new Set(ownership(running).flat()).size === 32,
    90_000,
    () => `${scenario.describeWorkers()}\n${scenario.describeLogs(30)}`,
  );
  const ownedAgainMs = Date.now() - killedAt;

  await victim.start();
  if (options.killWorkerToo) {
    // A new process with the same data directory, given every server's URL as a deployment
    // would (its old server may be the one just restarted, still catching up).
    const rejoined = await scenario.spawnWorker('w1');
    await waitFor(
      'the restarted worker rejoins',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment([rejoined, workers[1]!])),
      60_000,
      () => `${scenario.describeWorkers()}\n${scenario.describeLogs()}`,
      100,
    );
  }
  await burst.acknowledged(burst.acked.size + 1_000);
  await burst.stop();

  const { lists, wentQuiet, pending } = await waitForQuiet(scenario, client, burst, 60_000);
  const context = wentQuiet ? '' : `${scenario.describeWorkers()}\n${await scenario.describeWork()}\n${scenario.describeLogs()}`;
  expect(exactlyOnceProblems(lists, burst), context).toEqual([]);
  expect(wentQuiet, `${pending} inputs left uncommitted. ${context}`).toBe(true);

  // The restarted server has caught up: both followers of each stream are current.
  for (const stream of [workStream, `${scenario.hub}_STATE`]) {
    await waitFor(`${stream}'s replicas are current again`, () => replicasCurrent(jsm, stream), 30_000);
  }
  console.log(
    `${name}: killed ${victim.name} (work stream leader)${options.killWorkerToo ? ' and worker w1' : ''} after ${ackedAtKill} acknowledged; acknowledgements resumed after ${resumedMs} ms; every partition owned again after ${ownedAgainMs} ms; ${burst.acked.size} acknowledged in all`,
  );
}

describe('NATS cluster with 3 replicas: one server of three is SIGKILLed mid-burst', () => {
  it(
    'applies every acknowledged signal exactly once, resumes, and the restarted server catches up',
    () => killLeaderMidBurst('cluster', { killWorkerToo: false, leaseTimeMs: 3000 }),
    240_000,
  );

  it(
    'with a worker SIGKILLed at the same moment: the other worker takes over, the restarted one rejoins, every signal applies once',
    // The default lease time: with 3 s leases the restarted worker's rejoin fails on a
    // 2-core machine running all five processes (docs/nats.md, "On a cluster").
    () => killLeaderMidBurst('cluster-and-worker', { killWorkerToo: true, leaseTimeMs: 10_000 }),
    300_000,
  );
});
