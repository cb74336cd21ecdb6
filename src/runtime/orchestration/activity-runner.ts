import type { Logger } from 'pino';
import { TimeoutError } from '../../errors';
import type { ActivityDefinition } from '../../registry/activity-definition';
import type { Constructor } from '../../registry/entity-definition';
import type { Registry } from '../../registry/registry';
import { toRemoteError } from '../entity-executor';
import { fromPlain, toPlain } from '../value-codec';
import { runInActivityContext, type ActivityContext } from './activity-context';
import { HTTP_ACTIVITY } from './durable-http';
import type { DurableHttpRequest } from './durable-http-types';
import type { TaskCompletedEvent, TaskFailedEvent } from './history-events';
import { sendHttpRequest } from './http-activity';

/** An activity to run: what a `scheduleActivity` action carries. */
export interface ActivityTask {
  /** The activity's registered name. */
  readonly name: string;
  /** The plain input. */
  readonly input?: unknown;
  /** The step of the orchestration that scheduled it; the response answers it. */
  readonly step: number;
  readonly executionId?: string;
  readonly instanceId?: string;
  /** Which attempt of a retried call this is; 1 by default. */
  readonly attempt?: number;
  /** Milliseconds the attempt may run before it fails with a `TimeoutError`. */
  readonly startToCloseTimeoutMs?: number;
  /** Milliseconds the attempt may go without a heartbeat before it fails with a `TimeoutError`. */
  readonly heartbeatTimeoutMs?: number;
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

  /** What runs the task: the built-in HTTP request, or the registered activity's method on a new instance. */
  private target(task: ActivityTask): (signal: AbortSignal) => unknown {
    if (task.name === HTTP_ACTIVITY) return (signal) => sendHttpRequest(task.input as DurableHttpRequest, signal);
    const definition = this.definitionOf(task.name);
    const create = this.options.createInstance ?? ((ctor: Constructor) => new (ctor as new () => object)());
    const instance = create(definition.ctor) as Record<string, (input: unknown) => unknown>;
    const input = fromPlain(definition.inputType, task.input);
    return () => instance[definition.methodName]!(input);
  }

  async run(task: ActivityTask): Promise<TaskCompletedEvent | TaskFailedEvent> {
    const answer = { seq: task.step, ...(task.executionId === undefined ? {} : { executionId: task.executionId }) };
    try {
      const invoke = this.target(task);
      const controller = new AbortController();
      const deadline = new AttemptDeadline(controller, task.name, task);
      const context: ActivityContext = {
        instanceId: task.instanceId ?? '',
        executionId: task.executionId ?? '',
        activityName: task.name,
        attempt: task.attempt ?? 1,
        taskId: task.taskId ?? `${task.instanceId ?? ''}:${task.step}:${task.executionId ?? ''}`,
        signal: controller.signal,
        heartbeat: () => deadline.heartbeat(),
      };
      const running = runInActivityContext(context, () => Promise.resolve().then(() => invoke(controller.signal)));
      const value = await deadline.race(running);
      const result = toPlain(value, `result of activity '${task.name}'`);
      return { kind: 'TaskCompleted', ...answer, ...(result === undefined ? {} : { result }) };
    } catch (error) {
      this.options.logger?.warn({ activity: task.name, instanceId: task.instanceId, seq: task.step, err: error }, 'activity failed');
      return { kind: 'TaskFailed', ...answer, error: toRemoteError(error) };
    }
  }
}

/**
 * The time limits of one attempt: `startToCloseTimeout` from its start, `heartbeatTimeout`
 * from its start and then from each heartbeat. The first to expire aborts the attempt's
 * signal and fails the attempt with a `TimeoutError`; the activity's own outcome is then ignored.
 */
class AttemptDeadline {
  private startToClose: NodeJS.Timeout | undefined;
  private silence: NodeJS.Timeout | undefined;
  private expire: ((error: TimeoutError) => void) | undefined;

  constructor(
    private readonly controller: AbortController,
    private readonly name: string,
    private readonly limits: { readonly startToCloseTimeoutMs?: number; readonly heartbeatTimeoutMs?: number },
  ) {}

  race<T>(running: Promise<T>): Promise<T> {
    const { startToCloseTimeoutMs, heartbeatTimeoutMs } = this.limits;
    if (startToCloseTimeoutMs === undefined && heartbeatTimeoutMs === undefined) return running;
    const expired = new Promise<never>((_, reject) => {
      this.expire = (error) => {
        this.controller.abort(error);
        reject(error);
      };
    });
    if (startToCloseTimeoutMs !== undefined) {
      this.startToClose = setTimeout(() => this.fail(`did not finish within its startToCloseTimeout of ${startToCloseTimeoutMs} ms`), startToCloseTimeoutMs);
    }
    this.heartbeat();
    running.catch(() => undefined);
    return Promise.race([running, expired]).finally(() => {
      clearTimeout(this.startToClose);
      clearTimeout(this.silence);
      this.expire = undefined;
    });
  }

  heartbeat(): void {
    const timeoutMs = this.limits.heartbeatTimeoutMs;
    if (timeoutMs === undefined || this.expire === undefined) return;
    clearTimeout(this.silence);
    this.silence = setTimeout(() => this.fail(`sent no heartbeat for ${timeoutMs} ms (its heartbeatTimeout)`), timeoutMs);
  }

  private fail(why: string): void {
    this.expire?.(new TimeoutError(`Activity '${this.name}' ${why}.`));
  }
}
