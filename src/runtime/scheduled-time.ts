import { InvalidOptionsError } from '../errors';

/**
 * Epoch milliseconds of a signal's optional `scheduledTime` (undefined when there is none).
 * Throws {@link InvalidOptionsError} for anything but a valid `Date`.
 */
export function scheduledTimeMs(time: Date | undefined): number | undefined {
  if (time === undefined) return undefined;
  if (!(time instanceof Date) || !Number.isFinite(time.getTime())) {
    throw new InvalidOptionsError(`scheduledTime must be a valid Date, got ${String(time)}.`);
  }
  return time.getTime();
}
