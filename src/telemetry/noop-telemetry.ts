import type { BatchSpan, OperationSpan, Telemetry } from './telemetry-types';

/** The span of an operation nothing records or carries. */
export const NOOP_OPERATION_SPAN: OperationSpan = {
  traceParent: undefined,
  run: (fn) => fn(),
  end: () => undefined,
};

const NOOP_BATCH_SPAN: BatchSpan = {
  run: (fn) => fn(),
  committing: () => undefined,
  committed: () => undefined,
  failed: () => undefined,
};

const stopNothing = (): void => undefined;

/** The telemetry used when `@opentelemetry/api` is not installed: every call does nothing. */
export const NOOP_TELEMETRY: Telemetry = {
  active: false,
  client: (_action, messages, send) => send(messages),
  operation: () => NOOP_OPERATION_SPAN,
  batch: () => NOOP_BATCH_SPAN,
  activity: (_task, run) => run(undefined),
  withTraceParent: (_traceParent, fn) => fn(),
  leaseChanged: () => undefined,
  watchBacklog: () => stopNothing,
  watchInstanceCounts: () => stopNothing,
};
