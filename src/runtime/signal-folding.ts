import { createHash } from 'node:crypto';
import { entityIdToString } from '../registry/entity-id';
import type { MergedSignals, OperationMessage } from './messages';

/** The `merge` of an entity's operation, when it is mergeable. */
export type MergeLookup = (entity: string, operation: string) => ((a: unknown, b: unknown) => unknown) | undefined;

/** Most signals one entity-sent message stands for; past it a new message starts (keeps messages small). */
export const MAX_FOLDED_PARTS = 2000;
const MAX_PLAIN_ID_LENGTH = 80;

/** How many signals a message stands for. */
export function signalCount(message: OperationMessage): number {
  return message.merged?.count ?? 1;
}

/**
 * Who sent a message, for folding: the sending entity, or the client (its messages are
 * numbered `<client id>.<n>`). Undefined when that cannot be told.
 */
export function senderOf(message: OperationMessage): string | undefined {
  if (message.origin) return `e:${message.origin.entity}`;
  const dot = message.id.lastIndexOf('.');
  return dot > 0 ? `c:${message.id.slice(0, dot)}` : undefined;
}

/** A plain one-way signal, with nothing that orders or routes it beyond its target. */
export function isFoldableSignal(message: OperationMessage): boolean {
  return (
    message.kind === 'signal' &&
    message.scheduledTime === undefined &&
    message.lockOwner === undefined &&
    message.replyVia === undefined &&
    message.replyTo === undefined
  );
}

/** Whether `next` may be folded into `previous`, the message sent to the same entity just before it. */
export function canFold(previous: OperationMessage, next: OperationMessage): boolean {
  if (previous.operation !== next.operation || !isFoldableSignal(previous) || !isFoldableSignal(next)) return false;
  const sender = senderOf(previous);
  return sender !== undefined && sender === senderOf(next);
}

/** `merge(a, b)`, or undefined when the merge function throws (the two are then kept apart). */
export function tryMerge(merge: (a: unknown, b: unknown) => unknown, a: unknown, b: unknown): { value: unknown } | undefined {
  try {
    return { value: merge(a, b) };
  } catch {
    return undefined;
  }
}

/**
 * Folds runs of consecutive signals of a mergeable operation from one client to one entity
 * (client signals waiting for one durable write). Only signals next to each other in that
 * entity's sequence fold, so every sender's order holds. `placeOf`, when given, receives
 * for each message the index of the message it went into.
 */
export function foldClientSignals(messages: readonly OperationMessage[], mergeOf: MergeLookup, placeOf?: number[]): OperationMessage[] {
  const out: OperationMessage[] = [];
  // The last message to each entity: its place in `out`, and the run folded into it so far.
  const lastByTarget = new Map<string, ClientRun>();
  const folded: ClientRun[] = [];
  // A burst to one entity (the hot key) skips the map: the previous message's run is at hand.
  let previous: ClientRun | undefined;
  for (const message of messages) {
    const target = message.target;
    const sameTarget = previous !== undefined && previous.name === target.name && previous.key === target.key;
    const key = sameTarget ? undefined : entityIdToString(target);
    const last = sameTarget ? previous : lastByTarget.get(key!);
    const merge = message.origin === undefined && isFoldableSignal(message) ? mergeOf(target.name, message.operation) : undefined;
    if (last?.merge && merge === last.merge && last.operation === message.operation && sameClient(last.id, message.id)) {
      const merged = tryMerge(merge, last.input, message.input);
      if (merged) {
        if (!last.folded) {
          last.folded = true;
          folded.push(last);
        }
        last.input = merged.value;
        last.count += signalCount(message);
        previous = last;
        placeOf?.push(last.index);
        continue;
      }
    }
    const run: ClientRun = {
      index: out.length,
      name: target.name,
      key: target.key,
      id: message.id,
      operation: message.operation,
      merge,
      input: message.input,
      count: signalCount(message),
      folded: false,
    };
    lastByTarget.set(key ?? entityIdToString(target), run);
    previous = run;
    placeOf?.push(out.length);
    out.push(message);
  }
  for (const run of folded) out[run.index] = { ...out[run.index]!, input: run.input, merged: { count: run.count } };
  return out;
}

interface ClientRun {
  readonly index: number;
  readonly name: string;
  readonly key: string;
  /** The id of the run's first message (its sender is the part before the last '.'). */
  readonly id: string;
  readonly operation: string;
  readonly merge: ((a: unknown, b: unknown) => unknown) | undefined;
  input: unknown;
  count: number;
  folded: boolean;
}

/** Whether two client message ids (`<client id>.<n>`) come from the same client, without slicing them. */
function sameClient(a: string, b: string): boolean {
  const dot = a.lastIndexOf('.');
  if (dot <= 0 || b.lastIndexOf('.') !== dot) return false;
  for (let i = 0; i < dot; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

/**
 * Folds an entity's outbox: runs of consecutive signals of a mergeable operation to one
 * entity become one message. The message keeps the numbers (origins) of the signals it
 * replaces and their inputs, and gets an id made from the first signal's id and the count:
 * a differently folded copy (a batch run again after a crash) has another id, and the
 * receiver applies only the signals it has not applied (see {@link MergedSignals}).
 */
export function foldOutbox(messages: readonly OperationMessage[], mergeOf: MergeLookup): OperationMessage[] {
  const out: OperationMessage[] = [];
  // The run each output message stands for, while it grows (built into a message at the end).
  const runs = new Map<number, { input: unknown; count: number; parts: (readonly [number, unknown])[]; last: OperationMessage }>();
  const lastByTarget = new Map<string, number>();
  for (const message of messages) {
    const key = entityIdToString(message.target);
    const index = lastByTarget.get(key);
    const previous = index === undefined ? undefined : out[index];
    const merge = message.origin ? mergeOf(message.target.name, message.operation) : undefined;
    if (previous?.origin && message.origin && merge && canFold(previous, message)) {
      const run = runs.get(index!) ?? { input: previous.input, count: signalCount(previous), parts: [...partsOf(previous)], last: previous };
      const added = partsOf(message);
      const merged = run.parts.length + added.length <= MAX_FOLDED_PARTS ? tryMerge(merge, run.input, message.input) : undefined;
      if (merged) {
        run.input = merged.value;
        run.count += signalCount(message);
        run.parts.push(...added);
        run.last = message;
        runs.set(index!, run);
        continue;
      }
    }
    lastByTarget.set(key, out.length);
    out.push(message);
  }
  for (const [index, run] of runs) {
    const first = out[index]!;
    const fold: MergedSignals = { count: run.count, from: run.parts[0]![0], parts: run.parts };
    out[index] = { ...first, id: foldedId(first.id, run.count), input: run.input, origin: run.last.origin!, merged: fold };
  }
  return out;
}

/** The numbered inputs a signal from an entity stands for. */
function partsOf(message: OperationMessage): readonly (readonly [number, unknown])[] {
  return message.merged?.parts ?? [[message.origin!.n, message.input]];
}

/** The deterministic id of a fold of `count` signals starting with the one numbered `firstId`. */
export function foldedId(firstId: string, count: number): string {
  const id = `${firstId}*${count}`;
  return id.length <= MAX_PLAIN_ID_LENGTH ? id : `h:${createHash('sha1').update(id).digest('base64url')}`;
}

/**
 * The part of a fold from an entity that its receiver has not applied yet, given the
 * number of the last signal it applied from that sender: the message itself when none of
 * it was applied, a message with the input of the rest merged, or undefined when all of it was.
 */
export function unappliedRest(
  message: OperationMessage,
  lastApplied: number | undefined,
  merge: ((a: unknown, b: unknown) => unknown) | undefined,
): OperationMessage | undefined {
  const origin = message.origin;
  if (!origin || lastApplied === undefined) return message;
  if (origin.n <= lastApplied) return undefined;
  const fold = message.merged;
  if (!fold?.parts || fold.from === undefined || fold.from > lastApplied || !merge) return message;
  const rest = fold.parts.filter(([n]) => n > lastApplied);
  let input = rest[0]![1];
  for (let i = 1; i < rest.length; i++) input = merge(input, rest[i]![1]);
  return { ...message, input, merged: { count: rest.length, from: rest[0]![0], parts: rest } };
}
