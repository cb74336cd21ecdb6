import { Kvm, type KV } from '@nats-io/kv';
import pino from 'pino';
import { describe, expect, test, vi } from 'vitest';
import { ownerOf, PartitionLeases, type LeaseListener } from '../../src/engine/nats/partition-leases';
import { useSharedNatsServer } from './shared-nats-server';

// A lease the server stored although its writer never got the acknowledgement (a request
// that timed out while a replicated bucket elected a leader) must not leave the partition
// unowned until the lease expires. The lease time here is long, so waiting for the expiry
// would fail these tests.
const LEASE_TIME_MS = 60_000;
const WORKER = 'w-reclaim';

const shared = useSharedNatsServer('leases');

interface Recorded {
  readonly events: string[];
  readonly listener: LeaseListener;
}

function recorder(): Recorded {
  const events: string[] = [];
  return {
    events,
    listener: {
      acquired: async (p) => void events.push(`acquired ${p}`),
      givenUp: async (p) => void events.push(`given up ${p}`),
      lost: async (p) => void events.push(`lost ${p}`),
      renewed: (p) => void events.push(`renewed ${p}`),
    },
  };
}

async function buckets(): Promise<{ leases: KV; workers: KV }> {
  const kvm = new Kvm(shared.raw);
  const hub = shared.nextHub();
  return {
    leases: await kvm.create(`${hub}_leases`, { ttl: LEASE_TIME_MS }),
    workers: await kvm.create(`${hub}_workers`, { ttl: LEASE_TIME_MS }),
  };
}

/** What a test changes of the lease manager's settings (one partition, one live worker, a long lease otherwise). */
interface LeaseSetup {
  readonly leaseTimeMs?: number;
  readonly partitionCount?: number;
  readonly liveWorkers?: () => Promise<string[]>;
}

function leasesOf(kv: { leases: KV; workers: KV }, listener: LeaseListener, setup: LeaseSetup = {}): PartitionLeases {
  return new PartitionLeases({
    ...kv,
    liveWorkers: setup.liveWorkers ?? (async () => [WORKER]),
    workerId: WORKER,
    partitionCount: setup.partitionCount ?? 1,
    leaseTimeMs: setup.leaseTimeMs ?? LEASE_TIME_MS,
    logger: pino({ level: 'silent' }),
    listener,
  });
}

describe('partition leases whose acknowledgement was lost', () => {
  test('a lease stored under this worker’s id is taken back at start instead of waiting for it to expire', async () => {
    const kv = await buckets();
    const stored = await kv.leases.create('p0', new TextEncoder().encode(WORKER));
    const { events, listener } = recorder();
    const leases = leasesOf(kv, listener);
    await leases.start();
    try {
      expect(events).toEqual(['acquired 0']);
      expect(leases.partitions).toEqual([0]);
      expect(leases.holds(0)).toBe(true);
      // Taken back with a fresh write, so the revision this worker renews from is current.
      const entry = await kv.leases.get('p0');
      expect(entry?.revision).toBeGreaterThan(stored);
      expect(await leases.confirm(0)).toBe(true);
    } finally {
      await leases.stop();
    }
  });

  test('a lease stored under another worker’s id is left alone', async () => {
    const kv = await buckets();
    await kv.leases.create('p0', new TextEncoder().encode('someone-else'));
    const { events, listener } = recorder();
    const leases = leasesOf(kv, listener);
    await leases.start();
    try {
      expect(events).toEqual([]);
      expect(leases.partitions).toEqual([]);
      expect(new TextDecoder().decode((await kv.leases.get('p0'))!.value)).toBe('someone-else');
    } finally {
      await leases.stop();
    }
  });

  test('a renewal the server applied without acknowledging it keeps the partition', async () => {
    const kv = await buckets();
    const { events, listener } = recorder();
    // Renewals every 100 ms.
    const leases = leasesOf(kv, listener, { leaseTimeMs: 300 });
    await leases.start();
    try {
      expect(events).toEqual(['acquired 0']);
      // The server moves on past the revision this worker knows, with this worker's id, as
      // a renewal whose reply was lost would leave it.
      const current = (await kv.leases.get('p0'))!;
      await kv.leases.update('p0', new TextEncoder().encode(WORKER), current.revision);
      await vi.waitFor(() => expect(events.filter((e) => e === 'renewed 0').length).toBeGreaterThanOrEqual(3), { timeout: 5000 });
      expect(events).not.toContain('lost 0');
      expect(leases.partitions).toEqual([0]);
      expect(await leases.confirm(0)).toBe(true);
    } finally {
      await leases.stop();
    }
  });

  test('a lease another worker took is forfeited', async () => {
    const kv = await buckets();
    const { events, listener } = recorder();
    const leases = leasesOf(kv, listener, { leaseTimeMs: 300 });
    await leases.start();
    try {
      const current = (await kv.leases.get('p0'))!;
      await kv.leases.update('p0', new TextEncoder().encode('someone-else'), current.revision);
      await vi.waitFor(() => expect(events).toContain('lost 0'), { timeout: 5000 });
      expect(leases.partitions).toEqual([]);
    } finally {
      await leases.stop();
    }
  });
});

/** A start that runs until the test lets it finish. */
function heldStart(): { begun: Promise<void>; finish: () => void; run: () => Promise<void> } {
  let begin!: () => void;
  let finish!: () => void;
  const begun = new Promise<void>((resolve) => (begin = resolve));
  const finished = new Promise<void>((resolve) => (finish = resolve));
  return {
    begun,
    finish,
    run: async () => {
      begin();
      await finished;
    },
  };
}

/**
 * A listener that records each start as 'start p' when it begins and 'started p' when it
 * ends, and each hand-over and loss; `during` runs inside a start, `losing` inside a loss.
 */
function startRecorder(events: string[], hooks: { readonly during?: (p: number) => Promise<void>; readonly losing?: () => Promise<void> } = {}): LeaseListener {
  return {
    acquired: async (p) => {
      events.push(`start ${p}`);
      await hooks.during?.(p);
      events.push(`started ${p}`);
    },
    givenUp: async (p) => void events.push(`given up ${p}`),
    lost: async (p) => {
      await hooks.losing?.();
      events.push(`lost ${p}`);
    },
    renewed: () => undefined,
  };
}

describe('partition starts and lease rounds', () => {
  test('a slow start does not hold up taking a lease that becomes free meanwhile', async () => {
    const kv = await buckets();
    await kv.leases.create('p1', new TextEncoder().encode('someone-else'));
    const events: string[] = [];
    const slow = heldStart();
    const listener = startRecorder(events, { during: async (p) => (p === 0 ? slow.run() : undefined) });
    const leases = leasesOf(kv, listener, { leaseTimeMs: 300, partitionCount: 2 });
    const starting = leases.start();
    try {
      await slow.begun;
      // The first round's try at partition 1 is over; then the other holder hands it over,
      // while partition 0 is still starting.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(events).toEqual(['start 0']);
      await kv.leases.delete('p1');
      await vi.waitFor(() => expect(events).toContain('started 1'), { timeout: 5000 });
      expect(events).not.toContain('started 0');
      // Partition 0's lease is renewed while it starts: it is still held, by this worker.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await leases.confirm(0)).toBe(true);
      slow.finish();
      await starting;
      expect(leases.partitions).toEqual([0, 1]);
    } finally {
      slow.finish();
      await leases.stop();
    }
  });

  test('a partition lost during its start and taken again is stopped, then started again, in that order', async () => {
    const kv = await buckets();
    const events: string[] = [];
    const slow = heldStart();
    const listener = startRecorder(events, {
      during: () => slow.run(),
      // Stopping takes a while: leases are renewed (every 100 ms) while the next start waits for it.
      losing: () => new Promise((resolve) => setTimeout(resolve, 500)),
    });
    const leases = leasesOf(kv, listener, { leaseTimeMs: 300 });
    const starting = leases.start();
    try {
      await slow.begun;
      const current = (await kv.leases.get('p0'))!;
      await kv.leases.update('p0', new TextEncoder().encode('someone-else'), current.revision);
      await vi.waitFor(() => expect(leases.partitions).toEqual([]), { timeout: 5000 });
      await kv.leases.delete('p0');
      await vi.waitFor(() => expect(leases.partitions).toEqual([0]), { timeout: 5000 });
      // Neither the loss nor the new start may overtake the start still in flight.
      expect(events).toEqual(['start 0']);
      slow.finish();
      await starting;
      await vi.waitFor(() => expect(events).toEqual(['start 0', 'started 0', 'lost 0', 'start 0', 'started 0']), { timeout: 5000 });
    } finally {
      slow.finish();
      await leases.stop();
    }
  });

  test('a partition given up while it starts is stopped only after its start, then its lease is deleted', async () => {
    const kv = await buckets();
    const events: string[] = [];
    const slow = heldStart();
    let workers = [WORKER];
    // A worker id that wins partition 0 over WORKER under rendezvous hashing.
    const winner = Array.from({ length: 64 }, (_, i) => `joiner-${i}`).find((id) => ownerOf(0, [WORKER, id]) === id)!;
    const leases = leasesOf(kv, startRecorder(events, { during: () => slow.run() }), { leaseTimeMs: 300, liveWorkers: async () => workers });
    const starting = leases.start();
    try {
      await slow.begun;
      workers = [WORKER, winner];
      // Rounds run every 100 ms: give them time to decide the hand-over.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(leases.partitions).toEqual([]);
      expect(events).toEqual(['start 0']);
      slow.finish();
      await starting;
      await vi.waitFor(() => expect(events).toEqual(['start 0', 'started 0', 'given up 0']), { timeout: 5000 });
      await vi.waitFor(async () => expect((await kv.leases.get('p0'))?.operation).not.toBe('PUT'), { timeout: 5000 });
    } finally {
      slow.finish();
      await leases.stop();
    }
  });
});
