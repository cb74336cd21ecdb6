import type { ActivityHandler } from '../activity-tasks';
import type { OperationMessage, RemoteError } from '../messages';
import type { HistoryEvent } from './history-events';
import { telemetry } from '../../telemetry/telemetry';
import type { ActivityRunner } from './activity-runner';
import { deliverMessage, type ActivityTaskInput } from './orchestration-target';

/**
 * The engines' activity handler: runs the task with the {@link ActivityRunner} and answers
 * the orchestration instance that scheduled it with `TaskCompleted` or `TaskFailed`. The
 * answer's message id is derived from the task's, so a task run again after a crash sends
 * the same message, and the instance drops the second answer to the same step.
 */
export function createActivityHandler(runner: ActivityRunner): ActivityHandler {
  return async (task: OperationMessage): Promise<readonly OperationMessage[]> => {
    const { instanceId, executionId, seq, input, attempt, startToCloseTimeout, heartbeatTimeout } = task.input as ActivityTaskInput;
    return telemetry().activity(
      task,
      async (traceParent) => {
        const event = await runner.run({
          name: task.operation,
          step: seq,
          executionId,
          instanceId,
          taskId: task.id,
          ...(input === undefined ? {} : { input }),
          ...(attempt === undefined ? {} : { attempt }),
          ...(startToCloseTimeout === undefined ? {} : { startToCloseTimeoutMs: startToCloseTimeout }),
          ...(heartbeatTimeout === undefined ? {} : { heartbeatTimeoutMs: heartbeatTimeout }),
        });
        const answer = deliverMessage(`${task.id}>done`, instanceId, [event]);
        if (traceParent !== undefined) answer.trace = traceParent;
        return [answer];
      },
      failureOf,
    );
  };
}

/** The failure an activity's answer reports, for its span's status. */
function failureOf(answer: readonly OperationMessage[]): RemoteError | undefined {
  const event = (answer[0]?.input as { events?: readonly HistoryEvent[] } | undefined)?.events?.[0];
  return event?.kind === 'TaskFailed' ? event.error : undefined;
}
