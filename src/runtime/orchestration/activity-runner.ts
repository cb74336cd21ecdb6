import type { Logger } from 'pino';
import type { ActivityDefinition } from '../../registry/activity-definition';
import type { Constructor } from '../../registry/entity-definition';
import type { Registry } from '../../registry/registry';
import { toRemoteError } from '../entity-executor';
import { fromPlain, toPlain } from '../value-codec';
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
      const value = await instance[definition.methodName]!(fromPlain(definition.inputType, task.input));
      const result = toPlain(value, `result of activity '${definition.name}'`);
      return { kind: 'TaskCompleted', ...answer, ...(result === undefined ? {} : { result }) };
    } catch (error) {
      this.options.logger?.warn({ activity: task.name, instanceId: task.instanceId, seq: task.seq, err: error }, 'activity failed');
      return { kind: 'TaskFailed', ...answer, error: toRemoteError(error) };
    }
  }
}
