import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_LEDGER_KEYS, Relay, ledgerKey, relayKey } from './fixtures/entities';
import {
  PARTITIONS,
  Scenario,
  disposeScenarios,
  exactlyOnceProblems,
  partitionOfLedger,
  partitionOfRelay,
  readLists,
  requireCompiledChild,
  waitForQuiet,
  waitFor,
  type WorkerProcess,
} from './support';

afterEach(disposeScenarios);

describe('NATS fencing of a paused worker', () => {
  it('a worker resumed after SIGSTOP neither commits over the new owner’s state nor keeps its partitions', async () => {
    requireCompiledChild();
    const scenario = await Scenario.open('fencing', 2000);
    // Each worker holds Ledger.hold(n) until its gate file exists.
    const gates = [join(scenario.dir, 'gate-a'), join(scenario.dir, 'gate-b')];
    const workers = [await scenario.spawnWorker('a', { holdGate: gates[0]! }), await scenario.spawnWorker('b', { holdGate: gates[1]! })];
    await waitFor(
      'the two workers agree on the rendezvous assignment',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment(workers)),
      20_000,
      () => scenario.describeWorkers(),
      100,
    );

    // The victim is the worker with more partitions; the other lets holds through at once.
    const [victim, survivor] = (workers[0]!.partitions().length >= workers[1]!.partitions().length ? [0, 1] : [1, 0]).map((i) => workers[i]!) as [
      WorkerProcess,
      WorkerProcess,
    ];
    writeFileSync(gates[workers.indexOf(survivor)]!, '');
    const victimGate = gates[workers.indexOf(victim)]!;
    const victimPartitions = victim.partitions();
    const victimKeys = ALL_LEDGER_KEYS.filter((key) => victimPartitions.includes(partitionOfLedger(key)));
    expect(victimKeys.length).toBeGreaterThan(0);

    const client = await scenario.client();
    // A steady flow rather than a flood (the point is a takeover under traffic, not
    // overload), from which keys in `quiet` are left out: their ledger, and relays
    // forwarding to it.
    const quiet = new Set<string>();
    const burst = scenario.burst(client, { window: 16, pauseMs: 10, first: 1, relayEvery: 3, accept: (n) => !quiet.has(ledgerKey(n)) });
    await burst.acknowledged(1_000);

    // Keep one batch of the victim in flight: its Ledger.hold waits for the gate.
    const heldKey = victimKeys[0]!;
    const held = 10_000_000 + ALL_LEDGER_KEYS.indexOf(heldKey);
    expect(ledgerKey(held)).toBe(heldKey);
    void burst.sendOne(held, 'hold');
    await waitFor(
      'the victim holds a batch',
      () => (victim.poll(), victim.events.some((e) => e.type === 'holding' && e.n === held)),
      15_000,
      () => scenario.describeWorkers(),
    );

    victim.signal('SIGSTOP');
    const sentBeforeStop = new Set(burst.sent.keys());

    // Past the lease time, the survivor owns every partition...
    await waitFor(
      'the survivor owns all 32 partitions',
      () => (scenario.assertWorkersAlive(), survivor.partitions().length === PARTITIONS),
      20_000,
      () => scenario.describeWorkers(),
    );
    // ...and has committed new state for the victim's keys: the held signal, and signals
    // sent after the stop, are in their committed snapshots.
    await waitFor(
      'the survivor commits new state for the victim’s keys',
      async () => {
        const lists = await readLists(client);
        if (!lists.ledger.get(heldKey)!.includes(held)) return false;
        return victimKeys.every((key) => lists.ledger.get(key)!.some((n) => !sentBeforeStop.has(n) && burst.acked.has(n)));
      },
      20_000,
      () => scenario.describeWorkers(),
      100,
    );

    // From now on nothing goes to the held key, so its final state is whatever was committed
    // last: the survivor's, unless the victim's stale batch overwrites it. Wait until all
    // that was sent to it is in its committed snapshot.
    quiet.add(heldKey);
    await waitFor(
      'the held key’s signals are all committed',
      async () => {
        const toHeldKey = [...burst.sent.keys()].filter((n) => ledgerKey(n) === heldKey);
        if (!toHeldKey.every((n) => burst.acked.has(n))) return false;
        const recorded = new Set((await readLists(client)).ledger.get(heldKey));
        return toHeldKey.every((n) => recorded.has(n));
      },
      20_000,
      () => scenario.describeWorkers(),
      100,
    );

    // Resume the victim with its held batch let through: that batch was computed on the
    // state before the takeover and must not commit.
    writeFileSync(victimGate, '');
    const resumedAt = Date.now();
    victim.signal('SIGCONT');

    // It finds its leases gone and gives every partition up: its report shows it owning
    // nothing (before rebalancing hands it partitions again).
    await waitFor(
      'the victim reports owning no partition',
      () => (victim.poll(), victim.history.some((line) => line.at >= resumedAt && line.partitions.length === 0)),
      15_000,
      () => `${scenario.describeWorkers()}\n${scenario.describeLogs()}`,
    );
    await waitFor(
      'the victim lets its held batch finish',
      () => (victim.poll(), victim.events.some((e) => e.type === 'released' && e.n === held)),
      15_000,
      () => scenario.describeWorkers(),
    );
    // The held batch's commit fails: fenced, or refused because the partition is gone.
    await waitFor(
      'the held batch fails to commit',
      () => victim.log().some((l) => l.msg === 'batch commit failed; retrying' && l.partition === partitionOfLedger(heldKey) && l.time >= resumedAt - 1000),
      15_000,
      () => `${scenario.describeWorkers()}\n${scenario.describeLogs()}`,
    );

    // Rendezvous hashing gives the victim its partitions back once its heartbeat is seen
    // again; traffic keeps flowing through that handover too.
    await waitFor(
      'the workers agree on the assignment again',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment(workers)),
      20_000,
      () => scenario.describeWorkers(),
      100,
    );
    await burst.acknowledged(burst.acked.size + 1_000);
    await burst.stop();
    expect(burst.rejected.size, [...burst.rejected.values()].slice(0, 3).join('; ')).toBe(0);
    expect(burst.acked.size).toBe(burst.sent.size);

    const { lists, wentQuiet, pending } = await waitForQuiet(scenario, client, burst, 30_000);
    const context = wentQuiet ? '' : `${scenario.describeWorkers()}\n${await scenario.describeWork()}\n${scenario.describeLogs()}`;
    // The final state is exactly the acknowledged signals, each applied once.
    expect(exactlyOnceProblems(lists, burst), context).toEqual([]);
    expect(wentQuiet, `${pending} inputs left uncommitted in the work stream. ${context}`).toBe(true);
    expect(lists.ledger.get(heldKey)!.filter((n) => n === held)).toEqual([held]);
  }, 90_000);

  it('a batch held across losing and regaining a partition does not commit over newer state', async () => {
    // A worker paused mid-batch loses its partitions, resumes, and gets them back through
    // rebalancing. The batch it had in flight belongs to its earlier ownership and was
    // computed on state that has moved on since: it must not commit.
    requireCompiledChild();
    const scenario = await Scenario.open('regain', 2000);
    const gates = [join(scenario.dir, 'gate-a'), join(scenario.dir, 'gate-b')];
    const workers = [await scenario.spawnWorker('a', { holdGate: gates[0]! }), await scenario.spawnWorker('b', { holdGate: gates[1]! })];
    await waitFor(
      'the two workers agree on the rendezvous assignment',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment(workers)),
      20_000,
      () => scenario.describeWorkers(),
      100,
    );
    // Numbers that are multiples of 16 all go to relay-0.
    const relay = relayKey(0);
    const victim = workers.find((w) => w.partitions().includes(partitionOfRelay(relay)))!;
    const survivor = workers.find((w) => w !== victim)!;
    writeFileSync(gates[workers.indexOf(survivor)]!, '');
    const client = await scenario.client();
    const forwarded = async (): Promise<number[]> => (await client.entity(Relay, relay).read()).entityState?.forwarded ?? [];
    const applied = (...numbers: number[]): Promise<void> =>
      waitFor(
        `relay-0 applies ${numbers.join(', ')}`,
        async () => {
          const list = await forwarded();
          return numbers.every((n) => list.includes(n));
        },
        20_000,
        () => scenario.describeWorkers(),
        50,
      );
    const forward = async (...numbers: number[]): Promise<void> => {
      for (const n of numbers) await client.entity(Relay, relay).signal.forward(n);
      await applied(...numbers);
    };

    await forward(16, 32);
    // The victim takes Relay.forwardHeld(held) and holds it, then is paused.
    const held = 20_000_000;
    await client.entity(Relay, relay).signal.forwardHeld(held);
    await waitFor(
      'the victim holds the batch',
      () => (victim.poll(), victim.events.some((e) => e.type === 'holding' && e.n === held)),
      15_000,
      () => scenario.describeWorkers(),
    );
    victim.signal('SIGSTOP');

    // The survivor takes over and moves relay-0 on.
    await waitFor(
      'the survivor owns all 32 partitions',
      () => survivor.partitions().length === PARTITIONS,
      20_000,
      () => scenario.describeWorkers(),
    );
    await applied(held);
    await forward(48, 64);

    // The victim resumes (its batch still held), gives its partitions up and gets them back.
    victim.signal('SIGCONT');
    await waitFor(
      'the workers agree on the assignment again',
      () => (scenario.assertWorkersAlive(), scenario.agreeOnAssignment(workers)),
      20_000,
      () => `${scenario.describeWorkers()}\n${scenario.describeLogs()}`,
      100,
    );
    expect(victim.partitions()).toContain(partitionOfRelay(relay));
    await forward(80);

    // Now the held batch of the earlier ownership finishes. Nothing else is in flight.
    await waitFor(
      'the work queue drains',
      async () => (await scenario.workPending()) === 0,
      20_000,
      () => scenario.describeWork(),
    );
    victim.poll();
    const appliedBefore = victim.latest!.applied;
    const releasedAt = Date.now();
    writeFileSync(gates[workers.indexOf(victim)]!, '');
    await waitFor(
      'the victim finishes the held batch',
      () => (victim.poll(), victim.events.some((e) => e.type === 'released' && e.n === held)),
      15_000,
      () => scenario.describeWorkers(),
    );
    // Its commit either goes through (counted as applied) or fails (logged); a worker may
    // also drop such a batch without a trace, so this wait is bounded and then moves on.
    await waitFor(
      'the held batch is committed or refused',
      () =>
        (victim.poll(), victim.latest!.applied > appliedBefore) ||
        victim.log().some((l) => l.msg === 'batch commit failed; retrying' && l.partition === partitionOfRelay(relay) && l.time >= releasedAt),
      5_000,
    ).catch(() => undefined);

    // The committed state of relay-0 still has everything the survivor and the victim's
    // current ownership applied.
    expect(
      [...(await forwarded())].sort((x, y) => x - y),
      scenario.describeLogs(),
    ).toEqual([16, 32, 48, 64, 80, held]);

    // And stays so when the victim goes away for good: its memory cannot paper over what was
    // committed. The survivor takes over from the committed state and applies one more.
    await victim.kill();
    await waitFor(
      'the survivor owns all 32 partitions again',
      () => survivor.partitions().length === PARTITIONS,
      20_000,
      () => scenario.describeWorkers(),
    );
    await forward(96);
    await waitFor(
      'the work queue drains',
      async () => (await scenario.workPending()) === 0,
      20_000,
      () => scenario.describeWork(),
    );

    const lists = await readLists(client);
    expect(
      [...lists.relay.get(relay)!].sort((x, y) => x - y),
      scenario.describeLogs(),
    ).toEqual([16, 32, 48, 64, 80, 96, held]);
    for (const n of [16, 32, 48, 64, 80, 96, held])
      expect(
        lists.ledger.get(ledgerKey(n))!.filter((x) => x === n),
        `ledger record of ${n}`,
      ).toEqual([n]);
  }, 90_000);
});
