import 'reflect-metadata';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Activity, DurableApp, Orchestrator, type OrchestrationContext } from '../../src/index';
import { partitionOf } from '../../src/internal';
import { eventually } from '../eventually';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';

const PARTITIONS = 16;

/** Which worker ran each activity task, by task input (process-local: both workers run in this process). */
const ranOn = new Map<number, string[]>();

/** An activity class whose instances know the worker that created them (set by that app's `resolve`). */
class Tally {
  worker = 'unknown';

  @Activity()
  async triple(n: number): Promise<{ value: number; worker: string }> {
    ranOn.set(n, [...(ranOn.get(n) ?? []), this.worker]);
    // Long enough that one worker cannot drain the queue before the other pulls from it.
    await new Promise((r) => setTimeout(r, 10));
    return { value: n * 3, worker: this.worker };
  }
}

/** Slower tasks, so a fan-out is still under way when a worker stops. */
class Sleeper {
  worker = 'unknown';

  @Activity()
  async nap(n: number): Promise<number> {
    ranOn.set(n, [...(ranOn.get(n) ?? []), this.worker]);
    await new Promise((r) => setTimeout(r, 50));
    return n;
  }
}

/** An activity class some workers have instead of the others'. */
class Other {
  @Activity()
  unrelated(): string {
    return 'other';
  }
}

@Orchestrator()
class Naps {
  async run(ctx: OrchestrationContext, count: number): Promise<number> {
    const results = await ctx.all(Array.from({ length: count }, (_, i) => ctx.activities(Sleeper).nap(i)));
    return results.reduce((a, b) => a + b, 0);
  }
}

@Orchestrator()
class SpreadFanOut {
  async run(ctx: OrchestrationContext, count: number): Promise<{ sum: number; count: number; byWorker: Record<string, number> }> {
    const tally = ctx.activities(Tally);
    const results = await ctx.all(Array.from({ length: count }, (_, i) => tally.triple(i)));
    const byWorker: Record<string, number> = {};
    for (const r of results) byWorker[r.worker] = (byWorker[r.worker] ?? 0) + 1;
    return { sum: results.reduce((a, r) => a + r.value, 0), count: results.length, byWorker };
  }
}

describe('orchestrations on NATS with several workers', () => {
  let server: NatsServer;
  const apps: DurableApp[] = [];
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
    ranOn.clear();
  });
  afterAll(() => server.dispose());

  async function worker(hub: string, name: string, activities: Function[] = [Tally, Sleeper]): Promise<DurableApp> {
    const app = await DurableApp.create({
      orchestrators: [SpreadFanOut, Naps],
      activities,
      nats: server.url,
      hub,
      logger: { level: 'silent' },
      leaseTimeMs: 3000,
      // Few partitions: taking one creates consumers on the server, and these tests are about activities.
      partitionCount: PARTITIONS,
      maxConcurrentActivities: 10,
      resolve: <T>(cls: new () => T): T => {
        const instance = new cls();
        if (instance instanceof Tally || instance instanceof Sleeper) instance.worker = name;
        return instance;
      },
    });
    apps.push(app);
    await app.start();
    return app;
  }

  /** Resolves once the two workers own disjoint sets of partitions that cover the hub. */
  async function balanced(a: DurableApp, b: DurableApp): Promise<void> {
    await eventually(() => {
      const pa = a.stats().partitions;
      const pb = b.stats().partitions;
      return pa.length > 0 && pb.length > 0 && new Set([...pa, ...pb]).size === PARTITIONS && pa.length + pb.length === PARTITIONS;
    }, 20_000);
  }

  const workersOf = (): string[] => [...ranOn.values()].flat();

  test('two workers share a hub: a fan-out of 200 activities completes with the right result, spread over both', async () => {
    const hub = `o${process.pid}_spread`;
    const a = await worker(hub, 'A');
    const b = await worker(hub, 'B');
    // Both own partitions (orchestration instances live on either), and together all of them.
    await balanced(a, b);

    const handle = await a.client.startNew(SpreadFanOut, 200, { instanceId: 'spread-1' });
    const result = await handle.result({ timeout: 30_000 });
    expect(result.count).toBe(200);
    expect(result.sum).toBe((3 * 199 * 200) / 2);
    expect(Object.keys(result.byWorker).sort()).toEqual(['A', 'B']);
    expect(result.byWorker.A! + result.byWorker.B!).toBe(200);

    // Every task ran exactly once, each on one of the two workers, and each worker ran some.
    expect(ranOn.size).toBe(200);
    expect([...ranOn.values()].every((workers) => workers.length === 1)).toBe(true);
    const counts: Record<string, number> = {};
    for (const [w] of ranOn.values()) counts[w!] = (counts[w!] ?? 0) + 1;
    expect(Object.keys(counts).sort()).toEqual(['A', 'B']);
    expect(counts.A).toBeGreaterThan(0);
    expect(counts.B).toBeGreaterThan(0);
    expect(counts).toEqual(result.byWorker);

    // The other worker sees the same committed outcome.
    const status = await b.client.getStatus('spread-1', { showHistory: true });
    expect(status?.runtimeStatus).toBe('Completed');
    expect(status!.history!.filter((e) => e.kind === 'TaskCompleted')).toHaveLength(200);
  });

  test('a worker that stops in the middle of a fan-out hands the tasks it has not started back at once', async () => {
    const hub = `o${process.pid}_handback`;
    const a = await worker(hub, 'A');
    const b = await worker(hub, 'B');
    await balanced(a, b);
    const handle = await a.client.startNew(Naps, 200, { instanceId: 'naps-1' });
    await eventually(() => workersOf().filter((w) => w === 'B').length >= 10, 20_000);
    await b.stop();
    const stoppedAt = Date.now();
    // 180-odd tasks of 50 ms on one worker running 10 at a time take about a second; tasks
    // left unacknowledged would come back only after the 60-second acknowledgement wait.
    expect(await handle.result({ timeout: 20_000 })).toBe((199 * 200) / 2);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    // Nothing was lost or run twice: B ran what it started, A the rest.
    expect(ranOn.size).toBe(200);
    expect([...ranOn.values()].every((workers) => workers.length === 1)).toBe(true);
    expect(workersOf().filter((w) => w === 'B').length).toBeGreaterThanOrEqual(10);
    expect(workersOf().filter((w) => w === 'A').length).toBeGreaterThan(0);
  });

  test('a worker without an activity leaves its tasks to a worker that has it', async () => {
    const hub = `o${process.pid}_foreign`;
    const a = await worker(hub, 'A');
    const b = await worker(hub, 'B', [Other]);
    await balanced(a, b);
    // As in a rolling upgrade: the instance lives on A (which has the activity), B has older code.
    const owned = new Set(a.stats().partitions);
    const instanceId = Array.from({ length: 1000 }, (_, i) => `foreign-${i}`).find((id) =>
      owned.has(partitionOf({ name: '$orchestration', key: id }, PARTITIONS)),
    )!;
    const handle = await b.client.startNew(SpreadFanOut, 50, { instanceId });
    const result = await handle.result({ timeout: 20_000 });
    expect(result).toEqual({ sum: (3 * 49 * 50) / 2, count: 50, byWorker: { A: 50 } });
    expect(ranOn.size).toBe(50);
  });

  test('a malformed activity task goes to the dead-letter stream with its reason; the worker goes on', async () => {
    const hub = `o${process.pid}_dlq`;
    const a = await worker(hub, 'A');
    const raw: NatsConnection = await connect({ servers: server.url });
    try {
      const js = jetstream(raw);
      const h = headers();
      await js.publish(
        `${hub}.a.Tally~2etriple`,
        new TextEncoder().encode('{"id":"bad-1","target":{"name":"$activity","key":"x"},"operation":"Tally.triple","kind":"signal","input":5}'),
        { headers: h },
      );
      await js.publish(`${hub}.a.junk`, new TextEncoder().encode('not json'));
      await eventually(() => a.stats().deadLettered === 2);
      const jsm = await jetstreamManager(raw);
      const first = await jsm.streams.getMessage(`${hub}_DLQ`, { last_by_subj: `${hub}.dlq.act` });
      if (!first) throw new Error('no dead letter for the activity');
      expect(first.header.get('Jetstate-Reason')).toMatch(/not JSON/);
      expect(first.header.get('Jetstate-Subject')).toBe(`${hub}.a.junk`);
      const info = await jsm.streams.info(`${hub}_DLQ`);
      expect(info.state.messages).toBe(2);
      // The malformed tasks were acknowledged: nothing is left in the activity stream...
      expect((await jsm.streams.info(`${hub}_ACT`)).state.messages).toBe(0);
      // ...and real tasks still run.
      const handle = await a.client.startNew(SpreadFanOut, 3);
      expect(await handle.result({ timeout: 10_000 })).toEqual({ sum: 9, count: 3, byWorker: { A: 3 } });
    } finally {
      await raw.close();
    }
  });
});
