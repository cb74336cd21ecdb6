import { createHash } from 'node:crypto';
import { newExecutionId } from '../random-ids';
import { InvalidOptionsError } from '../../errors';
import type { ExecutionStartedEvent, ParentInstance } from './history-events';

/** The longest instance id accepted, in UTF-16 code units. */
export const MAX_INSTANCE_ID_LENGTH = 256;

/** Throws an {@link InvalidOptionsError} unless `id` is a usable instance id. */
export function assertValidInstanceId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_INSTANCE_ID_LENGTH) {
    throw new InvalidOptionsError(
      `An orchestration instance id must be a non-empty string of at most ${MAX_INSTANCE_ID_LENGTH} characters, got ${typeof id === 'string' ? `'${id.slice(0, 40)}'` : typeof id}.`,
    );
  }
}

/**
 * A name-based (version 5 layout) UUID: the same name always gives the same UUID, so
 * values derived from an instance's history are identical on every replay.
 */
export function deterministicUuid(name: string): string {
  const bytes = createHash('sha1').update('jetstate:').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** What `ctx.newGuid()` returns at `step` of an execution. */
export function guidAt(executionId: string, step: number): string {
  return deterministicUuid(`${executionId}/guid/${step}`);
}

/** The default instance id of the sub-orchestration started at `step`. */
export function subInstanceId(instanceId: string, generation: number, step: number): string {
  return generation === 0 ? `${instanceId}:${step}` : `${instanceId}:${generation}:${step}`;
}

/** The deterministic id of the message (entity call, signal, lock request) sent at `step`. */
export function messageIdAt(executionId: string, step: number): string {
  return `${executionId}#${step}`;
}

/** Options of {@link executionStarted}. */
export interface ExecutionStartOptions {
  readonly name: string;
  readonly input?: unknown;
  readonly parent?: ParentInstance;
  /** Defaults to a random UUID. */
  readonly executionId?: string;
  readonly generation?: number;
}

/** The event that starts a new execution (what a client's `startNew` sends). */
export function executionStarted(options: ExecutionStartOptions): ExecutionStartedEvent {
  return {
    kind: 'ExecutionStarted',
    name: options.name,
    ...(options.input === undefined ? {} : { input: options.input }),
    executionId: options.executionId ?? newExecutionId(),
    generation: options.generation ?? 0,
    ...(options.parent ? { parent: options.parent } : {}),
  };
}
