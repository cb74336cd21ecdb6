/**
 * A partition whose consumer stops delivering (its pull requests lost in a consumer leader
 * change, or the consumer deleted under it) must not stand still: once the server's idle
 * heartbeats stop, the worker replaces the consumer. Here the consumer is deleted on the
 * real server, which nats.js alone never recovers from: it keeps asking whether the
 * consumer exists.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, test, vi } from 'vitest';
import { DurableApp } from '../../src/index';
import { Counter } from '../contract/fixtures';
import { useSharedNatsServer } from './shared-nats-server';

const shared = useSharedNatsServer('stall');

describe('a partition whose consumer stops delivering', () => {
  test('replaces the consumer once its heartbeats stop, and applies what came meanwhile', async () => {
    const hub = shared.nextHub();
    const app = await DurableApp.create({
      entities: [Counter],
      nats: shared.server.url,
      hub,
      logger: { level: 'silent' },
      leaseTimeMs: 3000,
      partitionCount: 1,
    });
    shared.open.push(app);
    await app.start();
    const counter = app.client.entity(Counter, 'stalled');
    await counter.signal.add(1);
    await vi.waitFor(async () => expect(await counter.call.get()).toBe(1), { timeout: 10_000 });

    const jsm = await jetstreamManager(shared.raw);
    await jsm.consumers.delete(`${hub}_WORK`, 'p0');
    await Promise.all(Array.from({ length: 10 }, () => counter.signal.add(1)));
    const sentAt = Date.now();
    // Two missed heartbeats (nats.js checks every 15 s), then the replacement.
    await vi.waitFor(async () => expect((await jsm.consumers.info(`${hub}_WORK`, 'p0')).num_pending).toBe(0), { timeout: 70_000, interval: 500 });
    await vi.waitFor(async () => expect(await counter.call.get()).toBe(11), { timeout: 10_000 });
    console.log(`the deleted consumer was replaced and its backlog applied ${Date.now() - sentAt} ms after the signals were sent`);
    expect(app.stats().duplicates).toBeGreaterThanOrEqual(1);
  }, 100_000);
});
