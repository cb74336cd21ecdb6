import type { Logger } from 'pino';
import { TimeoutError } from '../../errors';
import type { ActivityDefinition } from '../../registry/activity-definition';
import type { Constructor } from '../../registry/entity-definition';
import type { Registry } from '../../registry/registry';
import { toRemoteError } from '../entity-executor';
import { fromPlain, toPlain } from '../value-codec';
import { runInActivityContext, type ActivityContext } from './activity-context';
import type { TaskCompletedEvent, TaskFailedEvent } from './history-events';

/** An activity to run: what a `scheduleActivity` action carries. */
export interface ActivityTask {
  /** The activity's registered name. */
  readonly name: string;
  /** The plain input. */
  readonly input?: unknown;
  /** The step of the orchestration that scheduled it; the response answers it. */
  readonly seq: number;
  readonly executionId?: string;
  readonly instanceId?: string;
  /** Which attempt of a retried call this is; 1 by default. */
  readonly attempt?: number;
  /** Milliseconds the attempt may run before it fails with a `TimeoutError`. */
  readonly startToCloseTimeout?: number;
  /** Stable id of this attempt (the same when the task runs again after a crash). */
  readonly taskId?: string;
}

/** Dependencies of the {@link ActivityRunner}. */
export interface ActivityRunnerOptions {
  readonly registry: Registry;
  /** Creates activity class instances (the dependency-injection hook); `new ctor()` by default. */
  readonly createInstance?: (ctor: Constructor) => object;
  /** Failures are logged here at `warn`, when given. */
  readonly logger?: Logger;
}

/**
 * Runs activity tasks: finds the activity by name, creates an instance of its class,
 * calls the method with the input and turns the outcome into the response event to send
 * back to the orchestration (`TaskCompleted` with the plain result, or `TaskFailed` with
 * the error's name, message and code). It never throws: an unknown activity name, an input
 * that cannot be restored or a result that cannot be stored become `TaskFailed` too.
 */
export class ActivityRunner {
  constructor(private readonly options: ActivityRunnerOptions) {}

  /** The definition of a registered activity, or an `UnknownActivityError`. */
  definitionOf(name: string): ActivityDefinition {
    return this.options.registry.activityNamed(name);
  }

  async run(task: ActivityTask): Promise<TaskCompletedEvent | TaskFailedEvent> {
    const answer = { seq: task.seq, ...(task.executionId === undefined ? {} : { executionId: task.executionId }) };
    try {
      const definition = this.definitionOf(task.name);
      const create = this.options.createInstance ?? ((ctor: Constructor) => new (ctor as new () => object)());
      const instance = create(definition.ctor) as Record<string, (input: unknown) => unknown>;
      const input = fromPlain(definition.inputType, task.input);
      const controller = new AbortController();
      const context: ActivityContext = {
        instanceId: task.instanceId ?? '',
        executionId: task.executionId ?? '',
        activityName: definition.name,
        attempt: task.attempt ?? 1,
        taskId: task.taskId ?? `${task.instanceId ?? ''}:${task.seq}:${task.executionId ?? ''}`,
        signal: controller.signal,
      };
      const running = runInActivityContext(context, () => Promise.resolve().then(() => instance[definition.methodName]!(input)));
      const value = await withDeadline(running, controller, definition.name, task.startToCloseTimeout);
      const result = toPlain(value, `result of activity '${definition.name}'`);
      return { kind: 'TaskCompleted', ...answer, ...(result === undefined ? {} : { result }) };
    } catch (error) {
      this.options.logger?.warn({ activity: task.name, instanceId: task.instanceId, seq: task.seq, err: error }, 'activity failed');
      return { kind: 'TaskFailed', ...answer, error: toRemoteError(error) };
    }
  }
}

/** The activity's outcome, or a `TimeoutError` (with the signal aborted) once `timeout` ms have passed. */
function withDeadline<T>(running: Promise<T>, controller: AbortController, name: string, timeout: number | undefined): Promise<T> {
  if (timeout === undefined) return running;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(`Activity '${name}' did not finish within its startToCloseTimeout of ${timeout} ms.`);
      controller.abort(error);
      reject(error);
    }, timeout);
  });
  // The activity may still settle after the deadline; its outcome is ignored then.
  running.catch(() => undefined);
  return Promise.race([running, expired]).finally(() => clearTimeout(timer));
}
