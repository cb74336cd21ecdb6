import { DecoratorMetadata, type WindowTime } from '../../decorators';
import { DefinitionError } from '../errors';

/** A validated `@Windowed` declaration. */
export interface WindowDefinition {
  readonly sizeMs: number;
  readonly retentionMs: number;
  readonly allowedLatenessMs: number;
  readonly time: WindowTime;
}

/** Separates a window's key from its start in the entity key. */
export const WINDOW_SEPARATOR = '|';
const START_DIGITS = 15;

/** The entity key of the window of `key` that starts at `startMs`. Starts are zero-padded, so key order is time order. */
export function windowKey(key: string, startMs: number): string {
  return `${key}${WINDOW_SEPARATOR}${String(startMs).padStart(START_DIGITS, '0')}`;
}

/** The key and start of a window's entity key, or undefined when it is not one. */
export function parseWindowKey(entityKey: string): { readonly key: string; readonly startMs: number } | undefined {
  const at = entityKey.lastIndexOf(WINDOW_SEPARATOR);
  const digits = entityKey.slice(at + 1);
  if (at < 0 || digits.length !== START_DIGITS || !/^\d+$/.test(digits)) return undefined;
  return { key: entityKey.slice(0, at), startMs: Number(digits) };
}

/** The start of the window of size `sizeMs` that holds `timeMs` (windows are aligned on the epoch). */
export function windowStart(timeMs: number, sizeMs: number): number {
  return Math.floor(timeMs / sizeMs) * sizeMs;
}

/** Reads and checks an entity class's `@Windowed`, if it has one. */
export function readWindow(cls: Function, entity: string): WindowDefinition | undefined {
  const options = DecoratorMetadata.windowed(cls);
  if (!options) return undefined;
  const where = `@Windowed on entity '${entity}'`;
  const positive = (name: string, value: unknown, zeroAllowed = false): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (zeroAllowed ? 0 : 1)) {
      throw new DefinitionError(`${where}: ${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} whole number of ms, got ${String(value)}.`);
    }
    return value;
  };
  const sizeMs = positive('sizeMs', options.sizeMs);
  const retentionMs = positive('retentionMs', options.retentionMs);
  const allowedLatenessMs = positive('allowedLatenessMs', options.allowedLatenessMs ?? 0, true);
  if (retentionMs <= allowedLatenessMs) {
    throw new DefinitionError(
      `${where}: retentionMs (${retentionMs}) must be longer than allowedLatenessMs (${allowedLatenessMs}), or a late signal could bring a deleted window back.`,
    );
  }
  const time = options.time ?? 'event';
  if (time !== 'event' && time !== 'arrival') throw new DefinitionError(`${where}: time must be 'event' or 'arrival', got ${String(time)}.`);
  return Object.freeze({ sizeMs, retentionMs, allowedLatenessMs, time });
}
