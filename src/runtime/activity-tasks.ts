import type { OperationMessage } from './messages';

/**
 * The target name of activity tasks. An orchestration schedules an activity by sending a
 * message to `{ name: ACTIVITY_TASK_TARGET, key: <task id> }` whose operation is the
 * activity's name; engines route such messages to their activity queue instead of a
 * partition, run them at least once, and send what the handler returns (the result).
 */
export const ACTIVITY_TASK_TARGET = '$activity';

/** True for a message that is an activity task. */
export function isActivityTask(message: OperationMessage): boolean {
  return message.target.name === ACTIVITY_TASK_TARGET;
}

/**
 * Runs one activity task and returns the messages that report its outcome (normally one,
 * to the orchestration that scheduled it). It never throws for a failing activity: the
 * failure is the outcome. A rejection means the task could not be run at all and is
 * retried later.
 */
export type ActivityHandler = (task: OperationMessage) => Promise<readonly OperationMessage[]>;
