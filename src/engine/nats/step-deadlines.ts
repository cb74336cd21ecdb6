import { TransportError } from '../../errors';

/**
 * Rejects with a {@link TransportError} when `work` has not settled within `ms`: a stream
 * without a leader (a cluster re-electing after losing a server) can leave a request
 * waiting without an error. Its own failure is {@link labelled} with `what`.
 */
export async function withDeadline<T>(work: Promise<T> | undefined, ms: number, what: string): Promise<T | undefined> {
  if (!work) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransportError(`${what} took longer than ${ms} ms; giving the partition up to try again later.`)), ms);
  });
  try {
    return await Promise.race([labelled(work, what), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Says which step failed: a request's own error ("timeout") does not. */
export async function labelled<T>(work: Promise<T>, what: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof TransportError) throw error;
    throw new TransportError(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
