import type * as OpenTelemetryApi from '@opentelemetry/api';
import type { OperationMessage } from '../runtime/messages';
import { ORCHESTRATION_TARGET, type ActivityTaskInput, type StartInput } from '../runtime/orchestration/orchestration-target';
import { NOOP_OPERATION_SPAN } from './noop-telemetry';
import type { BatchSpan, ClientAction, LeaseChange, OperationSpan, Telemetry } from './telemetry-types';
import { Attr, INSTRUMENTATION_SCOPE, MESSAGING_SYSTEM } from './telemetry-attributes';
import { TelemetryMetrics } from './telemetry-metrics';
import { formatTraceParent, parseTraceParent } from './trace-parent';

type Api = typeof OpenTelemetryApi;
type Context = OpenTelemetryApi.Context;
type Span = OpenTelemetryApi.Span;

/** Telemetry over `@opentelemetry/api` (the module is passed in, so only the loader imports it). */
export function openTelemetry(api: Api): Telemetry {
  return new OpenTelemetry(api);
}

class OpenTelemetry implements Telemetry {
  readonly active = true;
  private readonly metrics: TelemetryMetrics;
  private provider: OpenTelemetryApi.TracerProvider | undefined;
  private cachedTracer: OpenTelemetryApi.Tracer | undefined;
  /** The parent set by {@link withTraceParent} while its callback runs synchronously (works without a context manager too). */
  private incoming: { readonly context: Context; readonly traceParent: string } | undefined;
  /** The API's no-op tracer provider: what a proxy provider delegates to while no SDK is registered. */
  private readonly noopProvider: OpenTelemetryApi.TracerProvider;
  /** `api.trace`, kept to spare a module namespace lookup on every message. */
  private readonly traceApi: OpenTelemetryApi.TraceAPI;

  constructor(private readonly api: Api) {
    this.metrics = new TelemetryMetrics(api);
    this.noopProvider = new api.ProxyTracerProvider().getDelegate();
    this.traceApi = api.trace;
  }

  /**
   * Whether an SDK is registered. Without one every span is a no-op, so jetstate skips the
   * span work and only passes on trace context it received (as the W3C recommendation
   * asks of a process that does not trace): this keeps the API's cost near zero.
   */
  private tracing(): boolean {
    const provider = this.traceApi.getTracerProvider() as OpenTelemetryApi.TracerProvider & { getDelegate?: () => OpenTelemetryApi.TracerProvider };
    return (typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider) !== this.noopProvider;
  }

  client<T>(action: ClientAction, messages: readonly OperationMessage[], send: (messages: readonly OperationMessage[]) => Promise<T>): Promise<T> {
    if (!this.tracing()) {
      if (this.incoming !== undefined) for (const message of messages) message.trace = this.incoming.traceParent;
      return send(messages);
    }
    const api = this.api;
    const parent = this.incoming?.context ?? api.context.active();
    const destination = clientDestination(action, messages);
    const span = this.tracer().startSpan(`${action} ${destination}`, { kind: action === 'signal' ? api.SpanKind.PRODUCER : api.SpanKind.CLIENT }, parent);
    const traceParent = this.traceParentOf(span);
    // A provider that neither records nor makes valid span contexts (a no-op of its own): nothing to do.
    if (traceParent === undefined && !span.isRecording()) return send(messages);
    if (traceParent !== undefined) for (const message of messages) message.trace = traceParent;
    if (span.isRecording()) {
      span.setAttributes({
        [Attr.messagingSystem]: MESSAGING_SYSTEM,
        [Attr.messagingOperationType]: 'send',
        [Attr.messagingOperationName]: action,
        ...(messages.length === 1
          ? { [Attr.messagingDestination]: messages[0]!.target.name, [Attr.messagingMessageId]: messages[0]!.id, ...targetAttributes(messages[0]!) }
          : { [Attr.messagingBatchCount]: messages.length }),
      });
    }
    let pending: Promise<T>;
    try {
      pending = api.context.with(api.trace.setSpan(parent, span), send, undefined, messages);
    } catch (error) {
      this.fail(span, error);
      throw error;
    }
    return pending.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        this.fail(span, error);
        throw error;
      },
    );
  }

  operation(message: OperationMessage): OperationSpan {
    const api = this.api;
    if (!this.tracing()) return typeof message.trace === 'string' ? passOn(message.trace) : NOOP_OPERATION_SPAN;
    const parent = this.parentOf(message.trace);
    const span = this.tracer().startSpan(operationSpanName(message), { kind: api.SpanKind.CONSUMER }, parent);
    const traceParent = this.traceParentOf(span);
    const recording = span.isRecording();
    if (traceParent === undefined && !recording) return NOOP_OPERATION_SPAN;
    if (recording) span.setAttributes(operationAttributes(message));
    const context = api.trace.setSpan(parent, span);
    return {
      traceParent,
      run: (fn) => api.context.with(context, fn),
      end: (error) => (error === undefined ? span.end() : this.fail(span, error)),
    };
  }

  batch(partition: number, size: number): BatchSpan {
    const api = this.api;
    if (!this.tracing()) return this.measuredBatch(partition, size);
    // A root of its own: the loop may run in whatever context enqueued its first message.
    const span = this.tracer().startSpan(`batch partition ${partition}`, { kind: api.SpanKind.INTERNAL }, api.ROOT_CONTEXT);
    const recording = span.isRecording();
    if (recording) span.setAttributes({ [Attr.messagingSystem]: MESSAGING_SYSTEM, [Attr.partition]: partition, [Attr.messagingBatchCount]: size });
    const context = recording ? api.trace.setSpan(api.ROOT_CONTEXT, span) : undefined;
    let commitStart: number | undefined;
    return {
      run: (fn) => (context === undefined ? fn() : api.context.with(context, fn)),
      committing: () => {
        commitStart = performance.now();
      },
      committed: (applied, failed) => {
        const seconds = commitStart === undefined ? undefined : (performance.now() - commitStart) / 1000;
        this.metrics.batchCommitted(partition, size, applied, failed, seconds);
        if (span.isRecording()) span.setAttributes({ [Attr.batchApplied]: applied, [Attr.batchFailed]: failed });
        span.end();
      },
      failed: (error) => this.fail(span, error),
    };
  }

  /** A batch without a span (no SDK traces): only its metrics, which a meter provider may still collect. */
  private measuredBatch(partition: number, size: number): BatchSpan {
    let commitStart: number | undefined;
    return {
      run: (fn) => fn(),
      committing: () => {
        commitStart = performance.now();
      },
      committed: (applied, failed) =>
        this.metrics.batchCommitted(partition, size, applied, failed, commitStart === undefined ? undefined : (performance.now() - commitStart) / 1000),
      failed: () => undefined,
    };
  }

  async activity<T>(
    task: OperationMessage,
    run: (traceParent: string | undefined) => Promise<T>,
    failureOf?: (result: T) => { readonly name: string; readonly message: string } | undefined,
  ): Promise<T> {
    const api = this.api;
    if (!this.tracing()) {
      this.metrics.activityStarted(task.operation);
      try {
        return await run(task.trace);
      } finally {
        this.metrics.activityEnded(task.operation);
      }
    }
    const parent = this.parentOf(task.trace);
    const span = this.tracer().startSpan(`activity ${task.operation}`, { kind: api.SpanKind.CONSUMER }, parent);
    if (span.isRecording()) {
      const input = task.input as Partial<ActivityTaskInput> | undefined;
      span.setAttributes({
        [Attr.messagingSystem]: MESSAGING_SYSTEM,
        [Attr.messagingOperationType]: 'process',
        [Attr.messagingMessageId]: task.id,
        [Attr.activityName]: task.operation,
        ...(typeof input?.instanceId === 'string' ? { [Attr.instanceId]: input.instanceId } : {}),
        [Attr.activityAttempt]: typeof input?.attempt === 'number' ? input.attempt : 1,
      });
    }
    this.metrics.activityStarted(task.operation);
    try {
      const result = await api.context.with(api.trace.setSpan(parent, span), () => run(this.traceParentOf(span)));
      const failure = failureOf?.(result);
      if (failure === undefined) span.end();
      else this.fail(span, failure);
      return result;
    } catch (error) {
      this.fail(span, error);
      throw error;
    } finally {
      this.metrics.activityEnded(task.operation);
    }
  }

  withTraceParent<T>(traceParent: string | undefined, fn: () => T): T {
    const api = this.api;
    const parsed = parseTraceParent(traceParent);
    // A span already active (an HTTP instrumentation's server span) is the better parent.
    if (!parsed || api.trace.getSpan(api.context.active())) return fn();
    const context = api.trace.setSpanContext(api.context.active(), { ...parsed, isRemote: true });
    const previous = this.incoming;
    this.incoming = { context, traceParent: formatTraceParent(parsed) };
    try {
      return api.context.with(context, fn);
    } finally {
      this.incoming = previous;
    }
  }

  leaseChanged(partition: number, change: LeaseChange): void {
    this.metrics.leaseChanged(partition, change);
  }

  watchBacklog(partition: number, backlog: () => number): () => void {
    return this.metrics.watchBacklog(partition, backlog);
  }

  watchInstanceCounts(counts: () => Readonly<Record<string, number>> | undefined): () => void {
    return this.metrics.watchInstanceCounts(counts);
  }

  /** The tracer of the current global provider (it changes when an SDK registers after jetstate loaded). */
  private tracer(): OpenTelemetryApi.Tracer {
    const provider = this.api.trace.getTracerProvider();
    if (this.cachedTracer === undefined || provider !== this.provider) {
      this.provider = provider;
      this.cachedTracer = provider.getTracer(INSTRUMENTATION_SCOPE);
    }
    return this.cachedTracer;
  }

  /** The context a message's `traceparent` names, or the active one when it carries none. */
  private parentOf(traceParent: string | undefined): Context {
    const api = this.api;
    const parsed = traceParent === undefined ? undefined : parseTraceParent(traceParent);
    if (!parsed) return api.context.active();
    return api.trace.setSpanContext(api.ROOT_CONTEXT, { ...parsed, isRemote: true });
  }

  private traceParentOf(span: Span): string | undefined {
    const spanContext = span.spanContext();
    return this.api.isSpanContextValid(spanContext) ? formatTraceParent(spanContext) : undefined;
  }

  private fail(span: Span, error: unknown): void {
    if (span.isRecording()) {
      const described = error as { name?: unknown; message?: unknown } | null;
      const message = typeof described?.message === 'string' ? described.message : String(error);
      span.recordException({ name: typeof described?.name === 'string' ? described.name : 'Error', message });
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message });
    }
    span.end();
  }
}

/** The span of an operation in a process that does not trace: it passes on the context its message carried. */
function passOn(traceParent: string): OperationSpan {
  return { traceParent, run: (fn) => fn(), end: () => undefined };
}

/** What a client call's span is named after: the entity operation, the orchestrator, the event, or the batch. */
function clientDestination(action: ClientAction, messages: readonly OperationMessage[]): string {
  const first = messages[0];
  if (messages.length !== 1 || !first) return 'batch';
  if (action === 'startNew') return String((first.input as Partial<StartInput> | undefined)?.started?.name ?? first.target.key);
  if (action === 'raiseEvent') return String((first.input as { name?: unknown } | undefined)?.name ?? first.target.key);
  return `${first.target.name}.${first.operation}`;
}

function isInstance(message: OperationMessage): boolean {
  return message.target.name === ORCHESTRATION_TARGET;
}

/** `process Counter.add` for an entity operation, `orchestration <operation>` for an orchestration turn. */
function operationSpanName(message: OperationMessage): string {
  return isInstance(message) ? `orchestration ${message.operation}` : `process ${message.target.name}.${message.operation}`;
}

function targetAttributes(message: OperationMessage): OpenTelemetryApi.Attributes {
  if (!isInstance(message)) {
    return { [Attr.entityName]: message.target.name, [Attr.entityKey]: message.target.key, [Attr.operation]: message.operation };
  }
  const started = (message.input as Partial<StartInput> | undefined)?.started;
  const eventName = (message.input as { name?: unknown } | undefined)?.name;
  return {
    [Attr.instanceId]: message.target.key,
    [Attr.operation]: message.operation,
    ...(typeof started?.name === 'string' ? { [Attr.orchestrationName]: started.name } : {}),
    ...(message.operation === 'raiseEvent' && typeof eventName === 'string' ? { [Attr.eventName]: eventName } : {}),
  };
}

function operationAttributes(message: OperationMessage): OpenTelemetryApi.Attributes {
  return {
    [Attr.messagingSystem]: MESSAGING_SYSTEM,
    [Attr.messagingOperationType]: 'process',
    [Attr.messagingOperationName]: message.kind,
    [Attr.messagingDestination]: message.target.name,
    [Attr.messagingMessageId]: message.id,
    [Attr.messageKind]: message.kind,
    ...(message.merged ? { [Attr.foldedSignals]: message.merged.count } : {}),
    ...targetAttributes(message),
  };
}
