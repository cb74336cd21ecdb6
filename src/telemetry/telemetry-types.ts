import type { OperationMessage } from '../runtime/messages';

/** The client calls that get a span of their own. */
export type ClientAction = 'signal' | 'call' | 'startNew' | 'raiseEvent';

/** What a partition's lease did (NATS engine). */
export type LeaseChange = 'acquired' | 'released' | 'lost';

/** The span of one operation applied to one entity (or one orchestration turn). */
export interface OperationSpan {
  /** The `traceparent` the messages this operation produces carry, when it is traced. */
  readonly traceParent: string | undefined;
  /** Runs `fn` with this span as the active context, so spans the user's code starts nest under it. */
  run<T>(fn: () => T): T;
  /** Ends the span; `error` marks it failed. */
  end(error?: unknown): void;
}

/** The span and measurements of one partition batch. */
export interface BatchSpan {
  /** Runs `fn` (the batch's apply step) with this span as the active context. */
  run<T>(fn: () => T): T;
  /** Marks the start of the atomic commit (commit latency is measured from here). */
  committing(): void;
  /** The batch was committed: counts what it applied and ends the span. */
  committed(applied: number, failed: number): void;
  /** The batch failed and will be retried: ends the span as failed. */
  failed(error: unknown): void;
}

/**
 * The seam between jetstate and OpenTelemetry. The core calls only this interface; the
 * default does nothing, and {@link loadTelemetry} replaces it with an implementation over
 * `@opentelemetry/api` when that package is installed. With the API but no SDK, the API's
 * own no-ops answer, so nothing is recorded either way.
 */
export interface Telemetry {
  /** False for the no-op: callers may skip work whose only use is telemetry. */
  readonly active: boolean;
  /**
   * Traces a client call: starts its span, writes the span's context into each message
   * (`message.trace`), runs `send` with the messages and ends the span when it settles.
   * `send` gets the messages so callers can pass a function made once, not a closure per call.
   */
  client<T>(action: ClientAction, messages: readonly OperationMessage[], send: (messages: readonly OperationMessage[]) => Promise<T>): Promise<T>;
  /** Starts the span of an operation applied for `message`, a child of the context the message carries. */
  operation(message: OperationMessage): OperationSpan;
  /** Starts the span of a partition batch of `size` messages. */
  batch(partition: number, size: number): BatchSpan;
  /**
   * Traces an activity run for the task `task` (a child of the turn that scheduled it);
   * `run` gets the `traceparent` for the messages that report its outcome, and `failureOf`
   * tells a failed activity (whose failure is a result, not a rejection) from one that succeeded.
   */
  activity<T>(
    task: OperationMessage,
    run: (traceParent: string | undefined) => Promise<T>,
    failureOf?: (result: T) => { readonly name: string; readonly message: string } | undefined,
  ): Promise<T>;
  /** Runs `fn` with the context of an incoming request's `traceparent` header as the parent of client spans started inside. */
  withTraceParent<T>(traceParent: string | undefined, fn: () => T): T;
  /** Counts a partition lease change. */
  leaseChanged(partition: number, change: LeaseChange): void;
  /** Reports a partition's backlog (messages waiting) until the returned function is called. */
  watchBacklog(partition: number, backlog: () => number): () => void;
  /** Reports instance counts by runtime status until the returned function is called. */
  watchInstanceCounts(counts: () => Readonly<Record<string, number>> | undefined): () => void;
}
