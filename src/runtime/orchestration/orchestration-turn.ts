import type {
  EventRaisedEvent,
  ExecutionStartedEvent,
  FailureDetails,
  HistoryEvent,
  CommandEvent,
  LocksReleasedEvent,
  PatchAppliedEvent,
} from './history-events';
import type { LiveOrchestration } from './live-orchestration';
import { actionFor, type OrchestrationAction } from './orchestration-actions';
import type { OrchestrationRuntimeStatus } from './orchestration-status';

/** An arriving event the executor did not append, and why. */
export interface DroppedEvent {
  readonly event: HistoryEvent;
  readonly reason: string;
}

/** How to start the execution that follows a `continueAsNew`. */
export interface ContinueAsNewRequest {
  /** The first event of the new history. */
  readonly started: ExecutionStartedEvent;
  /** External events to deliver right after it (with `preserveUnprocessedEvents`). */
  readonly carriedEvents: readonly EventRaisedEvent[];
}

/**
 * The result of one turn: what to commit (append `newHistory`, store the status) and,
 * after the commit, what to carry out (`actions`).
 */
export interface OrchestrationTurn {
  readonly instanceId: string;
  /** Events to append to the stored history, in order. Empty when the turn changed nothing. */
  readonly newHistory: readonly HistoryEvent[];
  /** Work to carry out once the turn is committed. */
  readonly actions: readonly OrchestrationAction[];
  readonly status: OrchestrationRuntimeStatus;
  /** The plain output when Completed; the reason when Terminated. */
  readonly output?: unknown;
  /** Why the instance failed, when Failed. */
  readonly failure?: FailureDetails;
  /** The plain custom status the code set last (absent if it never set one). */
  readonly customStatus?: unknown;
  /** Present when the execution continued as new. */
  readonly continuedAsNew?: ContinueAsNewRequest;
  /** Arriving events that were not appended (duplicates, late responses, events after the end). */
  readonly dropped: readonly DroppedEvent[];
}

/** Collects a turn's output while the executor runs it. */
export class TurnBuilder {
  readonly newHistory: HistoryEvent[] = [];
  readonly actions: OrchestrationAction[] = [];
  readonly dropped: DroppedEvent[] = [];
  continuedAsNew: { started: ExecutionStartedEvent; carriedEvents: EventRaisedEvent[]; preserve: boolean } | undefined;

  constructor(private readonly live: LiveOrchestration) {}

  /** Appends an event to the new history and to the instance's state. */
  append(event: HistoryEvent): void {
    this.newHistory.push(event);
    this.live.state.record(event);
  }

  /** Appends a command and the action that carries it out (a patch marker needs none). */
  command(event: CommandEvent | LocksReleasedEvent | PatchAppliedEvent): void {
    this.append(event);
    if (event.kind === 'PatchApplied') return;
    this.actions.push(actionFor({ instanceId: this.live.instanceId, started: this.live.state.started! }, event));
  }

  /** An event that arrived after the execution ended: carried to the next execution, or dropped. */
  afterEnd(event: HistoryEvent): void {
    if (this.continuedAsNew?.preserve && event.kind === 'EventRaised') this.continuedAsNew.carriedEvents.push(event);
    else this.dropped.push({ event, reason: `the instance is ${this.live.status}` });
  }

  build(): OrchestrationTurn {
    const { live } = this;
    const state = live.state;
    // A turn in which nothing was appended but its marker leaves the history as it was.
    const changed = this.newHistory.some((event) => event.kind !== 'OrchestratorStarted');
    const continued = this.continuedAsNew;
    return {
      instanceId: live.instanceId,
      newHistory: changed ? this.newHistory : [],
      actions: this.actions,
      status: state.status,
      ...(state.output === undefined ? {} : { output: state.output }),
      ...(state.failure ? { failure: state.failure } : {}),
      ...(live.customStatus === undefined ? {} : { customStatus: live.customStatus }),
      ...(continued ? { continuedAsNew: { started: continued.started, carriedEvents: continued.carriedEvents } } : {}),
      dropped: this.dropped,
    };
  }
}
