/**
 * A partition's consumer is replaced after every reconnection to NATS. On a cluster that
 * is electing leaders that replacement can take longer than the lease: the partition is
 * lost, and the same worker may take it again before the old replacement finishes. The
 * replacement that outlived its ownership must then neither pull from the new ownership's
 * consumer nor run batches, or a delivery it takes comes back later, behind newer inputs
 * of the same entity, and is skipped as a duplicate.
 *
 * The test holds the replacement's consumer creation open (a gate in front of the real
 * request to the real server), takes the lease away and lets the worker take it back, then
 * lets the old replacement go on.
 */
import { Kvm } from '@nats-io/kv';
import pino from 'pino';
import { describe, expect, test, vi } from 'vitest';
import { DurableApp } from '../../src/index';
import type { HubConnection } from '../../src/engine/nats/hub-connection';
import { Counter } from '../contract/fixtures';
import { useSharedNatsServer } from './shared-nats-server';

const shared = useSharedNatsServer('outlive');
const KEYS = Array.from({ length: 8 }, (_, i) => `c-${i}`);

/** The hub connection under the app (internal: the test wraps one of its requests). */
function connectionOf(app: DurableApp): HubConnection {
  const engine = (app as unknown as { engine: { options: { connection: HubConnection } } }).engine;
  return engine.options.connection;
}

describe('a consumer replacement that outlives its ownership of the partition', () => {
  test('neither pulls nor runs batches once the partition was lost and taken again', async () => {
    const hub = shared.nextHub();
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const app = await DurableApp.create({ entities: [Counter], nats: shared.server.url, hub, logger, leaseTimeMs: 1500, partitionCount: 1 });
    shared.open.push(app);
    await app.start();
    const client = app.client;
    const sendAll = (): Promise<unknown> => Promise.all(KEYS.flatMap((key) => Array.from({ length: 25 }, () => client.entity(Counter, key).signal.add(1))));
    const total = async (): Promise<number> => {
      const values = await Promise.all(KEYS.map((key) => client.entity(Counter, key).call.get()));
      return values.reduce((sum, value) => sum + value, 0);
    };
    await sendAll();
    await vi.waitFor(async () => expect(await total()).toBe(200), { timeout: 10_000 });

    // The next consumer creation waits at the gate.
    const connection = connectionOf(app);
    const create = connection.resetConsumer.bind(connection);
    let entered!: () => void;
    const gateEntered = new Promise<void>((resolve) => (entered = resolve));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let calls = 0;
    connection.resetConsumer = async (partition, ackWaitMs) => {
      if (calls++ === 0) {
        entered();
        await gate;
      }
      return create(partition, ackWaitMs);
    };
    try {
      await connection.nc.reconnect();
      await gateEntered;

      // The lease goes to someone else: the worker drops the partition.
      const leases = await new Kvm(shared.raw).open(`${hub}_leases`);
      const lease = (await leases.get('p0'))!;
      await leases.update('p0', new TextEncoder().encode('someone-else'), lease.revision);
      await vi.waitFor(() => expect(app.stats().partitions).toEqual([]), { timeout: 10_000 });
      // Then it is free again, and the worker takes the lease back.
      await leases.delete('p0');
      await vi.waitFor(
        async () => {
          const taken = await leases.get('p0');
          expect(taken?.operation).toBe('PUT');
          expect(new TextDecoder().decode(taken!.value)).not.toBe('someone-else');
        },
        { timeout: 10_000 },
      );
      // Longer than a lease time: the old replacement is still held up.
      await new Promise((resolve) => setTimeout(resolve, 2000));
    } finally {
      open();
    }
    await vi.waitFor(() => expect(app.stats().partitions).toEqual([0]), { timeout: 10_000 });

    await sendAll();
    await vi.waitFor(async () => expect(await total()).toBe(400), { timeout: 10_000 });
    // Stays exact: nothing applied twice once the redeliveries are over.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await total()).toBe(400);
    expect(warnings.filter((line) => line.includes('is no longer owned by this worker'))).toEqual([]);
  }, 60_000);
});
