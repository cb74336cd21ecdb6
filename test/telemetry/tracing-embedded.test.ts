import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DurableApp, OperationFailedError, OrchestrationRuntimeStatus, serveHttp } from '../../src/index';
import { eventually } from '../eventually';
import { tempDir } from '../helpers';
import { installSdk, type InstalledSdk } from './otel-sdk';
import { ancestry, single, toRecord, type SpanRecord } from './span-tree';
import { GatedPipeline, TRACED } from './traced-entities';

describe('OpenTelemetry on the embedded engine', () => {
  let sdk: InstalledSdk;
  let app: DurableApp;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    sdk = installSdk();
    dir = await tempDir('jetstate-otel-');
    app = await DurableApp.create({ ...TRACED, dataDir: dir.path, logger: { level: 'silent' } });
    await app.start();
  });
  afterEach(() => sdk.exporter.reset());
  afterAll(async () => {
    await app?.stop();
    await sdk?.uninstall();
    await dir?.remove();
  });

  const spans = async (): Promise<SpanRecord[]> => (await sdk.spans()).map(toRecord);
  const completed = async (instanceId: string): Promise<void> =>
    eventually(async () => (await app.client.getStatus(instanceId))?.runtimeStatus === OrchestrationRuntimeStatus.Completed);

  it('follows one signal through the entity, the signal it sends, the orchestration it starts and its activities, in one trace', async () => {
    await app.client.signalEntity({ name: 'Relay', key: 'chain' }, 'forward', { key: 'chain', n: 3 });
    await completed('pipeline-chain');
    expect(await app.client.getHandle('pipeline-chain').result()).toBe(12);
    await eventually(async () => (await spans()).filter((s) => s.name === 'orchestration deliver').length === 2);
    const all = await spans();

    const signal = single(all, 'signal Relay.forward');
    expect(signal.kind).toBe(SpanKind.PRODUCER);
    expect(signal.parentSpanId).toBeUndefined();
    expect(signal.attributes).toMatchObject({
      'messaging.system': 'jetstate',
      'messaging.operation.type': 'send',
      'jetstate.entity.name': 'Relay',
      'jetstate.entity.key': 'chain',
    });
    const trace = all.filter((s) => s.traceId === signal.traceId);

    const relay = single(trace, 'process Relay.forward');
    expect(relay.kind).toBe(SpanKind.CONSUMER);
    expect(relay.parentSpanId).toBe(signal.spanId);
    expect(relay.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'jetstate.operation': 'forward', 'jetstate.message.kind': 'signal' });
    expect(ancestry(trace, single(trace, 'process Tally.add'))).toEqual(['process Tally.add', 'process Relay.forward', 'signal Relay.forward']);
    const start = single(trace, 'orchestration start');
    expect(start.parentSpanId).toBe(relay.spanId);
    expect(start.attributes).toMatchObject({ 'jetstate.orchestration.instance_id': 'pipeline-chain', 'jetstate.orchestration.name': 'Pipeline' });

    // Two activities, each the child of the turn that scheduled it; each result's turn the child of its activity.
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
    const activity = trace.find((s) => s.name === 'activity Steps.double')!;
    expect(activity.attributes).toMatchObject({
      'jetstate.activity.name': 'Steps.double',
      'jetstate.orchestration.instance_id': 'pipeline-chain',
      'jetstate.activity.attempt': 1,
    });
    // Every applied message ran in a committed batch.
    const batches = all.filter((s) => s.name.startsWith('batch partition '));
    expect(batches.length).toBeGreaterThan(0);
    expect(
      batches.every((b) => typeof b.attributes['messaging.batch.message_count'] === 'number' && typeof b.attributes['jetstate.partition'] === 'number'),
    ).toBe(true);
  });

  it('gives each activity and each turn one span when an orchestration is replayed after a restart', async () => {
    const handle = await app.client.startNew(GatedPipeline, 5, { instanceId: 'gated' });
    await eventually(async () => (await handle.status()).customStatus === 'waiting');
    // A new app on the same storage has no live instance: the next turn replays the history first.
    await app.stop();
    app = await DurableApp.create({ ...TRACED, dataDir: dir.path, logger: { level: 'silent' } });
    await app.start();
    await app.client.raiseEvent('gated', 'go');
    await completed('gated');
    expect(await app.client.getHandle('gated').result()).toBe(20);
    const ofInstance = async (): Promise<SpanRecord[]> => (await spans()).filter((s) => s.attributes['jetstate.orchestration.instance_id'] === 'gated');
    await eventually(async () => (await ofInstance()).filter((s) => s.name === 'orchestration deliver').length === 2);
    const all = await ofInstance();
    expect(all.filter((s) => s.name === 'activity Steps.double')).toHaveLength(2);
    expect(
      all
        .filter((s) => s.name.startsWith('orchestration '))
        .map((s) => s.name)
        .sort(),
    ).toEqual(['orchestration deliver', 'orchestration deliver', 'orchestration raiseEvent', 'orchestration start']);
    expect(single(all, 'raiseEvent go').parentSpanId).toBeUndefined();
    expect(single(all, 'orchestration raiseEvent').parentSpanId).toBe(single(all, 'raiseEvent go').spanId);
  });

  it('marks a failed call and its operation as errors, and counts applied and failed operations', async () => {
    const failedBefore = await sumOf(sdk, 'jetstate.operations.failed');
    const appliedBefore = await sumOf(sdk, 'jetstate.operations.applied');
    await app.client.signalEntity({ name: 'Tally', key: 'f' }, 'add', 2);
    await expect(app.client.callEntity({ name: 'Tally', key: 'f' }, 'fail')).rejects.toThrow(OperationFailedError);
    expect(await app.client.callEntity({ name: 'Tally', key: 'f' }, 'get')).toBe(2);

    const all = await spans();
    const call = single(all, 'call Tally.fail');
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(call.status).toBe(SpanStatusCode.ERROR);
    const operation = single(all, 'process Tally.fail');
    expect(operation.parentSpanId).toBe(call.spanId);
    expect(operation.status).toBe(SpanStatusCode.ERROR);
    expect(single(all, 'process Tally.get').status).toBe(SpanStatusCode.UNSET);

    expect((await sumOf(sdk, 'jetstate.operations.failed')) - failedBefore).toBe(1);
    expect((await sumOf(sdk, 'jetstate.operations.applied')) - appliedBefore).toBe(2);
  });

  it('records batch sizes, commit latency, backlog per partition, running activities and instances by status', async () => {
    await app.client.signalEntity({ name: 'Relay', key: 'metrics' }, 'forward', { key: 'metrics', n: 1 });
    await completed('pipeline-metrics');
    const sizes = await sdk.metric('jetstate.batch.size');
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBeGreaterThan(0);
    const commits = await sdk.metric('jetstate.commit.duration');
    expect(commits.some((p) => (p.value as { count: number }).count > 0 && (p.value as { sum: number }).sum > 0)).toBe(true);
    const backlog = await sdk.metric('jetstate.partition.backlog');
    expect(new Set(backlog.map((p) => p.attributes['jetstate.partition'])).size).toBe(32);
    const running = await sdk.metric('jetstate.activities.running');
    expect(running.find((p) => p.attributes['jetstate.activity.name'] === 'Steps.double')?.value).toBe(0);
    // The count stream starts when the gauge is first read; it scans, then follows changes.
    await sdk.metric('jetstate.orchestration.instances');
    await eventually(async () => {
      const instances = await sdk.metric('jetstate.orchestration.instances');
      return instances.some((p) => p.attributes['jetstate.orchestration.status'] === 'Completed' && (p.value as number) >= 1);
    });
  });

  it('continues the trace a W3C traceparent header names on an HTTP request', async () => {
    const http = await serveHttp(app.client, { port: 0 });
    try {
      const traceId = randomBytes(16).toString('hex');
      const parentId = randomBytes(8).toString('hex');
      const response = await fetch(`${http.url}/runtime/webhooks/durabletask/entities/Tally/http?op=add`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentId}-01` },
        body: '5',
      });
      expect(response.status).toBe(202);
      await eventually(async () => (await spans()).some((s) => s.name === 'process Tally.add' && s.traceId === traceId));
      const all = await spans();
      const signal = single(all, 'signal Tally.add', (s) => s.traceId === traceId);
      expect(signal.parentSpanId).toBe(parentId);
      expect(single(all, 'process Tally.add', (s) => s.traceId === traceId).parentSpanId).toBe(signal.spanId);
    } finally {
      await http.close();
    }
  });
});

async function sumOf(sdk: InstalledSdk, name: string): Promise<number> {
  return (await sdk.metric(name)).reduce((total, point) => total + (point.value as number), 0);
}
