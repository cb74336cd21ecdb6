import type { Registry } from '../../registry/registry';
import { isBuiltInOperation } from '../../runtime/built-in-operations';
import { ACTIVITY_TASK_TARGET } from '../../runtime/activity-tasks';
import type { OperationMessage } from '../../runtime/messages';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeText(data: Uint8Array): string {
  return decoder.decode(data);
}

/** A decoded operation, or why the bytes are not one this app can run. */
export type DecodedMessage = { readonly message: OperationMessage } | { readonly reason: string };

/** Parses JSON that should be an operation message: its shape (id, target, operation, kind), or why not. */
function parseMessage(data: Uint8Array): { readonly parsed: OperationMessage } | { readonly reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch (error) {
    return { reason: `not JSON: ${(error as Error).message}` };
  }
  const m = raw as Partial<OperationMessage> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.id !== 'string' ||
    typeof m.operation !== 'string' ||
    m.operation.length === 0 ||
    (m.kind !== 'signal' && m.kind !== 'call') ||
    typeof m.target?.name !== 'string' ||
    typeof m.target.key !== 'string'
  ) {
    return { reason: 'not an operation message (needs id, target { name, key }, operation and kind)' };
  }
  return { parsed: m as OperationMessage };
}

/**
 * Decodes an operation message taken from a hub subject and checks that this app can run
 * it. Anything else gets a reason and goes to the dead-letter stream.
 */
export function decodeOperation(data: Uint8Array, registry: Registry): DecodedMessage {
  const result = parseMessage(data);
  if ('reason' in result) return result;
  const m = result.parsed;
  const origin = m.origin;
  if (origin !== undefined && (typeof origin?.entity !== 'string' || !Number.isSafeInteger(origin.n))) {
    return { reason: 'its origin is not { entity, n }' };
  }
  if (m.merged !== undefined && !isMergedSignals(m.merged)) return { reason: 'its merged field is not { count, from?, parts? }' };
  if (!registry.hasEntity(m.target.name)) return { reason: `unknown entity '${m.target.name}'` };
  const definition = registry.entityNamed(m.target.name);
  if (!isBuiltInOperation(m.operation) && !definition.operations.has(m.operation)) {
    return { reason: `entity '${m.target.name}' has no operation '${m.operation}'` };
  }
  return { message: m };
}

/**
 * Decodes an activity task taken from `<hub>_ACT`: an operation message to
 * `$activity/<task id>` whose operation is the activity's name and whose input says which
 * orchestration step it answers (`{ instanceId, executionId, seq, input? }`). Anything else
 * gets a reason and goes to the dead-letter stream (it could never be answered). Whether
 * this worker has the activity is the caller's concern: another worker may have it.
 */
export function decodeActivityTask(data: Uint8Array): DecodedMessage {
  const result = parseMessage(data);
  if ('reason' in result) return result;
  const m = result.parsed;
  if (m.kind !== 'signal' || m.target.name !== ACTIVITY_TASK_TARGET) {
    return { reason: `not an activity task (needs id, target { name: '${ACTIVITY_TASK_TARGET}', key }, the activity name as operation and kind 'signal')` };
  }
  const input = m.input as { instanceId?: unknown; executionId?: unknown; seq?: unknown } | null | undefined;
  if (
    typeof input !== 'object' ||
    input === null ||
    typeof input.instanceId !== 'string' ||
    typeof input.executionId !== 'string' ||
    !Number.isSafeInteger(input.seq)
  ) {
    return { reason: 'its input is not { instanceId, executionId, seq, input? }' };
  }
  return { message: m };
}

/** The shape of a folded message's `merged` field (see `MergedSignals`). */
function isMergedSignals(value: unknown): boolean {
  const merged = value as { count?: unknown; from?: unknown; parts?: unknown } | null;
  if (typeof merged !== 'object' || merged === null || !Number.isSafeInteger(merged.count) || (merged.count as number) < 1) return false;
  if (merged.parts === undefined) return merged.from === undefined;
  return (
    Number.isSafeInteger(merged.from) &&
    Array.isArray(merged.parts) &&
    merged.parts.length > 0 &&
    merged.parts.every((part) => Array.isArray(part) && part.length === 2 && Number.isSafeInteger(part[0]))
  );
}
