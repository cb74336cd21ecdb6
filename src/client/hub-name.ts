import { InvalidOptionsError } from '../errors';

/** The hub of a NATS server that apps, clients and the CLI use when none is named. */
export const DEFAULT_HUB = 'jetstate';

/** Throws {@link InvalidOptionsError} unless `hub` is a valid hub name (it names streams and buckets). */
export function assertValidHubName(hub: unknown): asserts hub is string {
  if (typeof hub !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(hub)) {
    throw new InvalidOptionsError(`hub must be 1-32 letters, digits, '_' or '-', got ${String(hub)}.`);
  }
}
