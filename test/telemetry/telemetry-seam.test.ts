import * as api from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationMessage } from '../../src/runtime/messages';
import { NOOP_OPERATION_SPAN, NOOP_TELEMETRY, loadTelemetry, telemetry } from '../../src/telemetry/telemetry';
import { openTelemetry } from '../../src/telemetry/open-telemetry';
import { formatTraceParent, parseTraceParent } from '../../src/telemetry/trace-parent';
import { installSdk, type InstalledSdk } from './otel-sdk';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function message(trace?: string): OperationMessage {
  return { id: 'c.1', target: { name: 'Tally', key: 'k' }, operation: 'add', kind: 'signal', input: 1, ...(trace === undefined ? {} : { trace }) };
}

describe('traceparent', () => {
  it('reads and writes the W3C form', () => {
    expect(parseTraceParent(PARENT)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
    expect(formatTraceParent(parseTraceParent(PARENT)!)).toBe(PARENT);
    expect(parseTraceParent(' 00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00 ')?.traceFlags).toBe(0);
  });

  it('ignores what is not a valid traceparent, so a bad header or field links nothing', () => {
    for (const bad of [
      undefined,
      42,
      '',
      'nonsense',
      `01-${PARENT.slice(3)}`,
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      `${PARENT}-extra`,
    ]) {
      expect(parseTraceParent(bad)).toBeUndefined();
    }
  });
});

describe('the telemetry seam', () => {
  let sdk: InstalledSdk | undefined;
  afterEach(async () => {
    await sdk?.uninstall();
    sdk = undefined;
  });

  it('finds the installed @opentelemetry/api', async () => {
    expect(telemetry()).toBe(NOOP_TELEMETRY);
    expect((await loadTelemetry()).active).toBe(true);
    expect(telemetry().active).toBe(true);
  });

  it('with the API but no SDK records nothing and only passes on the trace context a message carries', async () => {
    const seam = openTelemetry(api);
    expect(seam.operation(message())).toBe(NOOP_OPERATION_SPAN);
    const passed = seam.operation(message(PARENT));
    expect(passed.traceParent).toBe(PARENT);
    const sent = message();
    await seam.withTraceParent(PARENT, () => seam.client('signal', [sent], async () => undefined));
    expect(sent.trace).toBe(PARENT);
    const untraced = message();
    await seam.client('signal', [untraced], async () => undefined);
    expect(untraced.trace).toBeUndefined();
    expect(await seam.activity(message(PARENT), async (traceParent) => traceParent)).toBe(PARENT);
  });

  it('traces once an SDK is registered after it was created, and stops when the SDK is removed', async () => {
    const seam = openTelemetry(api);
    sdk = installSdk();
    const sent = message();
    await seam.client('signal', [sent], async () => undefined);
    expect(parseTraceParent(sent.trace)).toBeDefined();
    const span = seam.operation(message(sent.trace));
    expect(span).not.toBe(NOOP_OPERATION_SPAN);
    span.end();
    const spans = await sdk.spans();
    expect(spans.map((s) => s.name)).toEqual(['signal Tally.add', 'process Tally.add']);
    expect(spans[1]!.parentSpanContext?.spanId).toBe(spans[0]!.spanContext().spanId);
    await sdk.uninstall();
    sdk = undefined;
    expect(seam.operation(message())).toBe(NOOP_OPERATION_SPAN);
  });

  it('counts batches for a meter provider when no tracer provider is registered', async () => {
    const seam = openTelemetry(api);
    sdk = installSdk({ tracing: false });
    const batch = seam.batch(3, 5);
    batch.committing();
    batch.committed(4, 1);
    expect(await sdk.spans()).toEqual([]);
    expect(await sdk.metric('jetstate.batch.size')).toEqual([{ attributes: { 'jetstate.partition': 3 }, value: { count: 1, sum: 5 } }]);
    expect(await sdk.metric('jetstate.operations.applied')).toEqual([{ attributes: { 'jetstate.partition': 3 }, value: 4 }]);
    expect(await sdk.metric('jetstate.operations.failed')).toEqual([{ attributes: { 'jetstate.partition': 3 }, value: 1 }]);
    expect(await sdk.metric('jetstate.commit.duration')).toEqual([{ attributes: { 'jetstate.partition': 3 }, value: { count: 1, sum: expect.any(Number) } }]);
  });

  it('marks a client call that rejects as failed and passes the rejection on', async () => {
    const seam = openTelemetry(api);
    sdk = installSdk();
    await expect(seam.client('call', [message()], () => Promise.reject(new RangeError('no')))).rejects.toThrow(RangeError);
    const [span] = await sdk.spans();
    expect(span?.status).toEqual({ code: api.SpanStatusCode.ERROR, message: 'no' });
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });
});
