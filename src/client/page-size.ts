import { InvalidOptionsError } from '../errors';

/** The page size of a listing that does not give one. */
export const DEFAULT_PAGE_SIZE = 100;
/** The largest page a listing returns (the HTTP API's `top` has the same bound). */
export const MAX_PAGE_SIZE = 10_000;

/** A listing's page size: the default when not given; throws {@link InvalidOptionsError} outside 1 to {@link MAX_PAGE_SIZE}. */
export function pageSizeOf(given: number | undefined): number {
  const pageSize = given ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new InvalidOptionsError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${String(pageSize)}.`);
  }
  return pageSize;
}
