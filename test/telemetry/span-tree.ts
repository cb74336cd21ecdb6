/** Reading finished spans as a tree: find them by name, walk to their ancestors. */
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** A finished span in the form the tests compare: enough to follow parents across processes. */
export interface SpanRecord {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly kind: number;
  readonly status: number;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export function toRecord(span: ReadableSpan): SpanRecord {
  return {
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    kind: span.kind,
    status: span.status.code,
    attributes: { ...span.attributes },
  };
}

/** The only span named `name` matching `where`; throws (listing what there is) otherwise. */
export function single(spans: readonly SpanRecord[], name: string, where: (span: SpanRecord) => boolean = () => true): SpanRecord {
  const found = spans.filter((span) => span.name === name && where(span));
  if (found.length !== 1) throw new Error(`expected one span '${name}', found ${found.length} among: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

/** The names from `span` up to its root (as far as the parents are among `spans`). */
export function ancestry(spans: readonly SpanRecord[], span: SpanRecord): string[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const names = [span.name];
  for (let parent = span.parentSpanId && byId.get(span.parentSpanId); parent; parent = parent.parentSpanId && byId.get(parent.parentSpanId)) {
    names.push(parent.name);
  }
  return names;
}
