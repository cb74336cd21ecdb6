/**
 * Calls `send(i)` for i = 0..total-1 keeping at most `maxInFlight` of the returned promises
 * unsettled, and resolves once all have settled. `stop`, when given, ends the sending early
 * once it returns true. The first rejection is rethrown (after the outstanding ones
 * settle), so a failed send fails the benchmark.
 */
export async function sendBounded(total: number, maxInFlight: number, send: (i: number) => Promise<unknown>, stop?: () => boolean): Promise<void> {
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
    if (stop?.()) break;
    inFlight++;
    send(i).then(settled, failed);
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (failure) throw failure.error;
}

/**
 * Like {@link sendBounded}, but keeps sending for `durationMs` instead of a fixed count,
 * then waits for the outstanding sends. Resolves with the number sent and the time from
 * the first send until the last one settled.
 */
export async function sendFor(
  durationMs: number,
  maxInFlight: number,
  send: (i: number) => Promise<unknown>,
  now: () => number,
): Promise<{ sent: number; elapsedMs: number }> {
  const start = now();
  let sent = 0;
  await sendBounded(
    Number.MAX_SAFE_INTEGER,
    maxInFlight,
    (i) => {
      sent = i + 1;
      return send(i);
    },
    () => now() - start >= durationMs,
  );
  return { sent, elapsedMs: now() - start };
}
