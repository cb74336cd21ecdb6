/**
 * The runtime status of an orchestration instance (the Durable Functions names).
 *
 * - `Pending`: created, not started yet.
 * - `Running`: started and waiting for (or processing) events.
 * - `Completed`: `run` returned; the output is stored.
 * - `ContinuedAsNew`: the status of an execution that ended with `continueAsNew`, inside
 *   the runtime only. An instance that continues as new shows `Running`: its next execution
 *   follows at once, so a client never sees this status.
 * - `Failed`: `run` threw, or replay found non-determinism.
 * - `Terminated`: stopped from outside.
 * - `Suspended`: paused from outside; events are kept and delivered on resume.
 * - `Canceled`: never set (nothing cancels an instance before it starts); kept so code that
 *   names it still compiles.
 */
export const OrchestrationRuntimeStatus = {
  Pending: 'Pending',
  Running: 'Running',
  Completed: 'Completed',
  ContinuedAsNew: 'ContinuedAsNew',
  Failed: 'Failed',
  /** @deprecated Never set: nothing cancels an instance before it starts. */
  Canceled: 'Canceled',
  Terminated: 'Terminated',
  Suspended: 'Suspended',
} as const;
export type OrchestrationRuntimeStatus = (typeof OrchestrationRuntimeStatus)[keyof typeof OrchestrationRuntimeStatus];

const TERMINAL: ReadonlySet<OrchestrationRuntimeStatus> = new Set([
  OrchestrationRuntimeStatus.Completed,
  OrchestrationRuntimeStatus.ContinuedAsNew,
  OrchestrationRuntimeStatus.Failed,
  OrchestrationRuntimeStatus.Canceled,
  OrchestrationRuntimeStatus.Terminated,
]);

/** True for statuses after which an execution takes no more events. */
export function isTerminalStatus(status: OrchestrationRuntimeStatus): boolean {
  return TERMINAL.has(status);
}

/** The statuses of an instance that has ended for good: what purge, restart and purge by filter accept. */
export const ENDED_STATUSES: readonly OrchestrationRuntimeStatus[] = Object.freeze([
  OrchestrationRuntimeStatus.Completed,
  OrchestrationRuntimeStatus.Failed,
  OrchestrationRuntimeStatus.Terminated,
]);

/** True for Completed, Failed and Terminated. */
export function hasEnded(status: OrchestrationRuntimeStatus): boolean {
  return ENDED_STATUSES.includes(status);
}
