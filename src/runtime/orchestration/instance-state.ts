import type { EntityId } from '../../registry/entity-id';
import { RESPONSES_OF, isArrivingEvent, isCommandEvent, isResponseEvent } from './history-event-kinds';
import type { CommandEvent, ExecutionStartedEvent, FailureDetails, HistoryEvent } from './history-events';
import { OrchestrationRuntimeStatus, isTerminalStatus } from './orchestration-status';

/** A recorded command and whether its response has arrived. */
interface CommandRecord {
  readonly event: CommandEvent;
  answered: boolean;
}

/** The lock request an instance holds or waits for. */
export interface HeldLocks {
  readonly step: number;
  readonly entities: readonly EntityId[];
  granted: boolean;
}

/**
 * What the history says about an instance, independent of its code: the status, the
 * commands and which were answered, the locks it holds, the outcome. It decides which
 * arriving events may be appended (no duplicates, nothing after the end), and it is
 * what an instance whose replay failed is ended from.
 */
export class InstanceState {
  status: OrchestrationRuntimeStatus = OrchestrationRuntimeStatus.Pending;
  started: ExecutionStartedEvent | undefined;
  readonly commands = new Map<number, CommandRecord>();
  /** Steps whose locks were released, by the section or at the end. */
  readonly releases = new Set<number>();
  locks: HeldLocks | undefined;
  output: unknown;
  failure: FailureDetails | undefined;

  static of(history: readonly HistoryEvent[]): InstanceState {
    const state = new InstanceState();
    for (const event of history) state.record(event);
    return state;
  }

  get isTerminal(): boolean {
    return isTerminalStatus(this.status);
  }

  /** Applies an event that is (or is being) appended to the history. */
  record(event: HistoryEvent): void {
    if (isCommandEvent(event)) {
      this.commands.set(event.seq, { event, answered: false });
      if (event.kind === 'LockRequested') this.locks = { step: event.seq, entities: event.entities, granted: false };
      return;
    }
    if (isResponseEvent(event)) {
      const command = this.commands.get(event.seq);
      if (command) command.answered = true;
      if (event.kind === 'LockGranted' && this.locks?.step === event.seq) this.locks.granted = true;
      return;
    }
    switch (event.kind) {
      case 'ExecutionStarted':
        this.started = event;
        if (this.status === OrchestrationRuntimeStatus.Pending) this.status = OrchestrationRuntimeStatus.Running;
        return;
      case 'LocksReleased':
        this.releases.add(event.seq);
        if (this.locks?.step === event.seq) this.locks = undefined;
        return;
      case 'ExecutionSuspended':
        this.status = OrchestrationRuntimeStatus.Suspended;
        return;
      case 'ExecutionResumed':
        this.status = OrchestrationRuntimeStatus.Running;
        return;
      case 'ExecutionTerminated':
        this.status = OrchestrationRuntimeStatus.Terminated;
        this.output = event.reason;
        return;
      case 'ExecutionCompleted':
        this.status = OrchestrationRuntimeStatus.Completed;
        this.output = event.result;
        return;
      case 'ExecutionFailed':
        this.status = OrchestrationRuntimeStatus.Failed;
        this.failure = event.error;
        return;
      case 'ContinuedAsNew':
        this.status = OrchestrationRuntimeStatus.ContinuedAsNew;
        return;
      case 'OrchestratorStarted':
      case 'EventRaised':
      case 'PatchApplied':
        return;
    }
  }

  /** Why an arriving event must not be appended, or undefined when it may. */
  rejectReason(event: HistoryEvent): string | undefined {
    if (!isArrivingEvent(event)) return `${event.kind} is written by the executor, not sent to it`;
    if (this.isTerminal) return `the instance is ${this.status}`;
    if (isResponseEvent(event)) {
      if (!this.started) return 'the instance has not started';
      if (event.executionId !== undefined && event.executionId !== this.started.executionId) {
        return `it answers execution '${event.executionId}', not the current execution '${this.started.executionId}'`;
      }
      const command = this.commands.get(event.seq);
      if (!command) return `no durable call was made at step ${event.seq}`;
      if (!RESPONSES_OF[command.event.kind].includes(event.kind)) return `step ${event.seq} is a ${command.event.kind}, which ${event.kind} does not answer`;
      if (command.answered) return `step ${event.seq} was already answered (a duplicate delivery)`;
      return undefined;
    }
    switch (event.kind) {
      case 'ExecutionStarted':
        if (typeof event.name !== 'string' || typeof event.executionId !== 'string' || !Number.isInteger(event.generation)) {
          return 'ExecutionStarted needs a name, an executionId and a generation';
        }
        return this.started ? 'the instance has already started' : undefined;
      case 'ExecutionSuspended':
        return this.status === OrchestrationRuntimeStatus.Running ? undefined : `only a Running instance can be suspended; it is ${this.status}`;
      case 'ExecutionResumed':
        return this.status === OrchestrationRuntimeStatus.Suspended ? undefined : `only a Suspended instance can be resumed; it is ${this.status}`;
      default:
        return undefined;
    }
  }
}
