/**
 * Calls `send(i)` for i = 0..total-1 keeping at most `maxInFlight` of the returned promises
 * unsettled, and resolves once all have settled. The first rejection is rethrown (after
 * the outstanding ones settle), so a failed send fails the benchmark.
 */
export async function sendBounded(total: number, maxInFlight: number, send: (i: number) => Promise<unknown>): Promise<void> {
  let inFlight = 0;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const settled = (): void => {
    inFlight--;
    if (wake) {
      const resume = wake;
      wake = undefined;
      resume();
    }
  };
  const failed = (error: unknown): void => {
    failure ??= { error };
    settled();
  };
  for (let i = 0; i < total && !failure; i++) {
    while (inFlight >= maxInFlight) await new Promise<void>((resolve) => (wake = resolve));
    inFlight++;
    send(i).then(settled, failed);
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (failure) throw failure.error;
}
