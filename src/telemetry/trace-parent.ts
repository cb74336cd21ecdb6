/**
 * The W3C Trace Context `traceparent` form jetstate carries inside messages: `00-<trace id
 * (32 hex)>-<span id (16 hex)>-<flags (2 hex)>`. Carrying this one string (rather than what
 * the configured propagator writes) keeps messages small and the format stable whichever
 * propagator an application installs.
 */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;

/** `traceparent` text for a span context. */
export function formatTraceParent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The span context in a `traceparent` value, or undefined when it is absent or malformed (then nothing is linked). */
export function parseTraceParent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACE_PARENT.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
}
