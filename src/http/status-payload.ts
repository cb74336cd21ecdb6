import type { OrchestrationStatus } from '../client/orchestration-handle';
import type { HistoryEvent } from '../runtime/orchestration/history-events';
import { OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';

/** An instance's status as the HTTP API returns it (the Durable Functions field names). */
export interface StatusPayload {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: string;
  readonly input: unknown;
  readonly customStatus: unknown;
  /** The output when Completed, the reason when Terminated, the error's message when Failed. */
  readonly output: unknown;
  /** ISO 8601, whole seconds, UTC (as Durable Functions writes them). */
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
  /** Why it failed (jetstate's error name, message and code), when Failed. */
  readonly failureDetails?: unknown;
  /** With `showHistory=true`: the current execution's events (results only with `showHistoryOutput=true`). */
  readonly historyEvents?: readonly unknown[];
}

/** What to include, from the status query's parameters. */
export interface StatusPayloadOptions {
  readonly showInput: boolean;
  readonly showHistory: boolean;
  readonly showHistoryOutput: boolean;
}

/** A date as Durable Functions writes it: `2026-01-31T12:00:00Z`. */
export function wholeSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Converts a client status into the HTTP body. */
export function statusPayload(status: OrchestrationStatus, options: StatusPayloadOptions): StatusPayload {
  const failed = status.runtimeStatus === OrchestrationRuntimeStatus.Failed && status.failureDetails !== undefined;
  return {
    name: status.name,
    instanceId: status.instanceId,
    runtimeStatus: status.runtimeStatus,
    input: options.showInput ? (status.input ?? null) : null,
    customStatus: status.customStatus ?? null,
    output: failed ? status.failureDetails!.message : (status.output ?? null),
    createdTime: wholeSeconds(status.createdTime),
    lastUpdatedTime: wholeSeconds(status.lastUpdatedTime),
    ...(failed ? { failureDetails: status.failureDetails } : {}),
    ...(options.showHistory ? { historyEvents: (status.history ?? []).map((event) => historyEvent(event, options.showHistoryOutput)) } : {}),
  };
}

function historyEvent(event: HistoryEvent, showOutput: boolean): unknown {
  if (showOutput || !('result' in event)) return event;
  const { result: _result, ...rest } = event as HistoryEvent & { result?: unknown };
  return rest;
}
