/**
 * The runtime status of an orchestration instance (the Durable Functions names).
 *
 * - `Pending`: created, not started yet.
 * - `Running`: started and waiting for (or processing) events.
 * - `Completed`: `run` returned; the output is stored.
 * - `ContinuedAsNew`: this execution ended with `continueAsNew`; a new one follows.
 * - `Failed`: `run` threw, or replay found non-determinism.
 * - `Canceled`: reserved for engines that cancel instances before they start.
 * - `Terminated`: stopped from outside.
 * - `Suspended`: paused from outside; events are kept and delivered on resume.
 */
export const OrchestrationRuntimeStatus = {
  Pending: 'Pending',
  Running: 'Running',
  Completed: 'Completed',
  ContinuedAsNew: 'ContinuedAsNew',
  Failed: 'Failed',
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
