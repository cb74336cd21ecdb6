import { ActivityFailedError, OperationFailedError, SubOrchestrationFailedError } from '../../errors';
import { entityIdToString, type EntityId } from '../../registry/entity-id';
import { CancellableDurableTask, DurableTask } from './durable-task';
import type { ExecutionStartedEvent, LockRequestedEvent, ResponseEvent } from './history-events';
import type { LiveOrchestration } from './live-orchestration';
import { subInstanceId } from './orchestration-ids';

/** A durable call waiting for its response. */
interface PendingCall {
  readonly task: DurableTask<unknown>;
  settle(event: ResponseEvent): void;
}

/**
 * Makes durable calls on behalf of the context: each takes its step from the ledger (which
 * records it, or matches it against history on replay), and its task is parked by step
 * until the executor delivers the response. Inputs arrive already validated and plain.
 * A call that does not match history gets a task that never settles: the executor ends
 * the instance before anything else runs.
 */
export class DurableCalls {
  private readonly pending = new Map<number, PendingCall>();

  constructor(
    private readonly live: LiveOrchestration,
    private readonly started: ExecutionStartedEvent,
  ) {}

  activity(
    name: string,
    input: unknown,
    attempt: number,
    timeouts: { startToCloseTimeoutMs?: number | undefined; heartbeatTimeoutMs?: number | undefined },
  ): DurableTask<unknown> {
    const task = new DurableTask<unknown>();
    const event = this.live.ledger.issue((step) => ({
      kind: 'TaskScheduled',
      seq: step,
      name,
      ...optional('input', input),
      ...optional('attempt', attempt > 1 ? attempt : undefined),
      ...optional('startToCloseTimeout', timeouts.startToCloseTimeoutMs),
      ...optional('heartbeatTimeout', timeouts.heartbeatTimeoutMs),
    }));
    if (event) {
      this.park(event.seq, task, (response) => {
        if (response.kind === 'TaskCompleted') task.resolve(response.result);
        else if (response.kind === 'TaskFailed') task.reject(new ActivityFailedError(name, response.error.name, response.error.message, response.error.code));
      });
    }
    return task;
  }

  subOrchestration(name: string, input: unknown, instanceId: string | undefined): DurableTask<unknown> {
    const task = new DurableTask<unknown>();
    const event = this.live.ledger.issue((step) => ({
      kind: 'SubOrchestrationCreated',
      seq: step,
      name,
      instanceId: instanceId ?? subInstanceId(this.live.instanceId, this.started.generation, step),
      ...optional('input', input),
    }));
    if (event) {
      this.park(event.seq, task, (response) => {
        if (response.kind === 'SubOrchestrationCompleted') task.resolve(response.result);
        else if (response.kind === 'SubOrchestrationFailed') {
          const { name: remoteName, message, code } = response.error;
          task.reject(new SubOrchestrationFailedError(name, event.instanceId, remoteName, message, code));
        }
      });
    }
    return task;
  }

  timer(fireAt: number): CancellableDurableTask<void> {
    // A canceled timer stays parked: its TimerFired may still arrive and is then ignored.
    const task = new CancellableDurableTask<void>(() => {});
    const event = this.live.ledger.issue((step) => ({ kind: 'TimerCreated', seq: step, fireAt }));
    if (event) this.park(event.seq, task as DurableTask<unknown>, () => task.resolve());
    return task;
  }

  entityCall(target: EntityId, operation: string, input: unknown): DurableTask<unknown> {
    const task = new DurableTask<unknown>();
    const event = this.live.ledger.issue((step) => ({ kind: 'EntityCalled', seq: step, target, operation, ...optional('input', input) }));
    if (event) {
      this.park(event.seq, task, (response) => {
        if (response.kind !== 'EntityResponse') return;
        if (!response.error) {
          task.resolve(response.result);
          return;
        }
        const { name, message, code } = response.error;
        task.reject(new OperationFailedError(`${entityIdToString(target)}.${operation}`, name, message, code));
      });
    }
    return task;
  }

  entitySignal(target: EntityId, operation: string, input: unknown, scheduledTime: number | undefined): void {
    this.live.ledger.issue((step) => ({
      kind: 'EntitySignaled',
      seq: step,
      target,
      operation,
      ...optional('input', input),
      ...optional('scheduledTime', scheduledTime),
    }));
  }

  eventSent(instanceId: string, name: string, input: unknown): void {
    this.live.ledger.issue((step) => ({ kind: 'EventSent', seq: step, instanceId, name, ...optional('input', input) }));
  }

  /** Requests the locks; `onGranted` runs when they are all held. Undefined on a mismatch with history. */
  lockRequest(entities: readonly EntityId[], task: DurableTask<unknown>, onGranted: () => void): LockRequestedEvent | undefined {
    const event = this.live.ledger.issue((step) => ({ kind: 'LockRequested', seq: step, entities }));
    if (event) this.park(event.seq, task, onGranted);
    return event;
  }

  /** Settles the call answered by `event`; false when the code made no call at that step. */
  receive(event: ResponseEvent): boolean {
    const call = this.pending.get(event.seq);
    if (!call) return false;
    this.pending.delete(event.seq);
    call.settle(event);
    return true;
  }

  /** True while a call (other than a canceled timer) waits for its response. */
  hasPending(): boolean {
    for (const call of this.pending.values()) {
      if (!(call.task instanceof CancellableDurableTask && call.task.isCanceled)) return true;
    }
    return false;
  }

  private park(step: number, task: DurableTask<unknown>, settle: (event: ResponseEvent) => void): void {
    this.pending.set(step, { task, settle });
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
