import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableApp, DurableClient, OrchestrationRuntimeStatus } from '../../src/index';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { eventually } from '../eventually';
import { tempDir } from '../helpers';
import { installSdk, type InstalledSdk } from './otel-sdk';
import { ancestry, single, toRecord, type SpanRecord } from './span-tree';
import { TRACED } from './traced-entities';
import type { TracedWorkerConfig } from './fixtures/traced-worker';

// The worker runs plain Node on tsc's output, not through the test transform.
const WORKER = join(process.cwd(), 'build/test/telemetry/fixtures/traced-worker.js');

describe('OpenTelemetry across processes on NATS', () => {
  let sdk: InstalledSdk;
  let server: NatsServer;
  let dir: { path: string; remove: () => Promise<void> };
  let worker: ChildProcess | undefined;
  let client: DurableClient | undefined;
  let config: TracedWorkerConfig;

  beforeAll(async () => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run compile\` before this test (npm test does it).`);
    sdk = installSdk();
    server = await startNatsServer();
    dir = await tempDir('jetstate-otel-nats-');
    config = {
      nats: server.url,
      hub: `otel${process.pid}`,
      dataDir: join(dir.path, 'worker'),
      spans: join(dir.path, 'spans.jsonl'),
      report: join(dir.path, 'report.jsonl'),
    };
    let stderr = '';
    worker = spawn(process.execPath, [WORKER, JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe'] });
    worker.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await eventually(() => {
      if (worker!.exitCode !== null) throw new Error(`the worker exited (${worker!.exitCode}): ${stderr}`);
      return existsSync(config.report) && readFileSync(config.report, 'utf8').includes('"ready"');
    }, 30_000);
    client = await DurableClient.connect({ nats: server.url, hub: config.hub, logger: { level: 'silent' } });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await server?.dispose();
    await sdk?.uninstall();
    await dir?.remove();
  });

  const workerSpans = (): SpanRecord[] =>
    existsSync(config.spans)
      ? readFileSync(config.spans, 'utf8')
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => JSON.parse(line) as SpanRecord)
      : [];

  it('links the client process span to the worker process spans: entity, signal it sends, orchestration, activities', async () => {
    await client!.signalEntity({ name: 'Relay', key: 'n1' }, 'forward', { key: 'n1', n: 4 });
    await eventually(async () => (await client!.getStatus('pipeline-n1'))?.runtimeStatus === OrchestrationRuntimeStatus.Completed, 30_000);
    expect(await client!.getHandle('pipeline-n1').result()).toBe(16);
    await eventually(() => workerSpans().filter((s) => s.name === 'orchestration deliver').length === 2, 10_000);

    // The client's span is recorded here, in the test process; everything after it in the worker.
    const local = (await sdk.spans()).map(toRecord);
    const signal = single(local, 'signal Relay.forward');
    expect(signal.kind).toBe(SpanKind.PRODUCER);
    const remote = workerSpans();
    expect(remote.some((s) => s.spanId === signal.spanId)).toBe(false);
    const trace = [signal, ...remote.filter((s) => s.traceId === signal.traceId)];

    expect(single(trace, 'process Relay.forward').parentSpanId).toBe(signal.spanId);
    expect(ancestry(trace, single(trace, 'process Tally.add'))).toEqual(['process Tally.add', 'process Relay.forward', 'signal Relay.forward']);
    const delivers = trace.filter((s) => s.name === 'orchestration deliver');
    const last = delivers.find((d) => !trace.some((s) => s.parentSpanId === d.spanId))!;
    expect(ancestry(trace, last)).toEqual([
      'orchestration deliver',
      'activity Steps.double',
      'orchestration deliver',
      'activity Steps.double',
      'orchestration start',
      'process Relay.forward',
      'signal Relay.forward',
    ]);
  });

  it('counts the partition leases a worker acquires and gives up', async () => {
    const changes = async (change: string): Promise<number> =>
      (await sdk.metric('jetstate.partition.lease.changes'))
        .filter((p) => p.attributes['jetstate.lease.change'] === change)
        .reduce((n, p) => n + (p.value as number), 0);
    const before = { acquired: await changes('acquired'), released: await changes('released') };
    // A worker of its own hub in this process: it takes every partition, then gives them back on stop.
    const app = await DurableApp.create({
      ...TRACED,
      nats: server.url,
      hub: `otelleases${process.pid}`,
      dataDir: join(dir.path, 'leases'),
      partitionCount: 4,
      logger: { level: 'silent' },
    });
    await app.start();
    try {
      await eventually(() => app.stats().partitions.length === 4, 20_000);
      await eventually(async () => (await changes('acquired')) - before.acquired === 4, 10_000);
      const perPartition = (await sdk.metric('jetstate.partition.lease.changes')).filter((p) => p.attributes['jetstate.lease.change'] === 'acquired');
      expect(new Set(perPartition.map((p) => p.attributes['jetstate.partition']))).toEqual(new Set([0, 1, 2, 3]));
    } finally {
      await app.stop();
    }
    expect((await changes('released')) - before.released).toBe(4);
  });

  it('links a call from the client process to the operation it ran in the worker', async () => {
    expect(await client!.callEntity({ name: 'Tally', key: 'n1' }, 'get')).toBe(4);
    const call = single((await sdk.spans()).map(toRecord), 'call Tally.get');
    expect(call.kind).toBe(SpanKind.CLIENT);
    await eventually(() => workerSpans().some((s) => s.name === 'process Tally.get'), 10_000);
    const operation = single(workerSpans(), 'process Tally.get');
    expect(operation.traceId).toBe(call.traceId);
    expect(operation.parentSpanId).toBe(call.spanId);
  });
});
