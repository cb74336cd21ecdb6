import { describeCommand, isCommandEvent, isResponseEvent } from './history-event-kinds';
import type { HistoryEvent, SubOrchestrationCreatedEvent, TaskScheduledEvent, TimerCreatedEvent } from './history-events';
import type { LiveOrchestration } from './live-orchestration';
import type { OrchestrationExecutor } from './orchestration-executor';

/** A durable call that a rewind sends again. */
export type RetriedCommand = TaskScheduledEvent | SubOrchestrationCreatedEvent | TimerCreatedEvent;

/** A Failed instance's history with its failure taken out, and the steps to run again. */
export interface RewindPlan {
  readonly history: readonly HistoryEvent[];
  /**
   * The activities, sub-orchestrations and timers the rewound history leaves unanswered: those
   * whose failures were removed, and those whose answers came after the failure and were dropped.
   */
  readonly retried: readonly RetriedCommand[];
  /** The instance replayed from {@link history}, waiting for the retried steps. */
  readonly live: LiveOrchestration;
}

/** Why a history cannot be rewound. */
export interface RewindRefusal {
  readonly problem: string;
}

/**
 * Plans the rewind of a Failed execution: removes its `ExecutionFailed` (and the lock release
 * that came with it), and the activity and sub-orchestration failures that arrived after the
 * code's last durable call, which are the ones it did not get past. A failure the code caught
 * and went on from is kept. The plan holds only if the current code replays the remaining
 * history cleanly and is left waiting for something; otherwise the refusal says why.
 */
export async function planRewind(executor: OrchestrationExecutor, instanceId: string, history: readonly HistoryEvent[]): Promise<RewindPlan | RewindRefusal> {
  const last = history.at(-1);
  if (last?.kind !== 'ExecutionFailed') return { problem: 'its history does not end with a failure' };
  let lastCommand = -1;
  history.forEach((event, index) => {
    if (isCommandEvent(event)) lastCommand = index;
  });
  const end = history.length - 1;
  const kept = history.filter((event, index) => {
    if (index === end) return false;
    if (index === end - 1 && event.kind === 'LocksReleased') return false;
    return !((event.kind === 'TaskFailed' || event.kind === 'SubOrchestrationFailed') && index > lastCommand);
  });
  const answered = new Set<number>();
  for (const event of kept) if (isResponseEvent(event)) answered.add(event.seq);
  const retried: RetriedCommand[] = [];
  for (const event of kept) {
    if (!isCommandEvent(event) || answered.has(event.seq)) continue;
    if (event.kind === 'TaskScheduled' || event.kind === 'SubOrchestrationCreated' || event.kind === 'TimerCreated') retried.push(event);
    else if (event.kind === 'EntityCalled')
      return {
        problem: `its call at step ${event.seq} (${describeCommand(event)}) has no answer in its history, and calling the entity again could apply the operation twice; restart it instead`,
      };
  }
  const live = await executor.restore(instanceId, kept);
  if (live.pendingFailure) return { problem: `the current code does not replay its history without the failure: ${live.pendingFailure.message}` };
  if (live.state.locks) {
    return { problem: 'it failed inside a critical section, whose locks were released when it failed; restart it instead' };
  }
  if (live.runOutcome || !live.context?.hasPendingWork()) {
    return { problem: 'without the failure its code has nothing left to wait for, so it would fail the same way; restart it instead' };
  }
  return { history: kept, retried, live };
}
