import { NonDeterminismError } from '../../errors';
import { CommandLedger } from './command-ledger';
import { ExternalEvents } from './external-events';
import { isCommandEvent } from './history-event-kinds';
import type { CommandEvent, HistoryEvent, ResponseEvent } from './history-events';
import { InstanceState } from './instance-state';
import type { OrchestrationRuntimeStatus } from './orchestration-status';

/** How `run` ended. */
export type RunOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * What an instance's state needs of the context its code runs with (an
 * `OrchestrationContextImpl`, which the executor creates).
 */
export interface TurnContext {
  /** Settles the call answered by `event`; false when the code made no call at that step. */
  receive(event: ResponseEvent): boolean;
  /** True while the code waits on something the history can still deliver. */
  hasPendingWork(): boolean;
  /** The instance ended: forget the critical section it held (the executor releases its locks). */
  forgetLocks(): void;
}

/**
 * An orchestration instance kept in memory between turns: its history, the suspended
 * execution of its `run`, and what the code has asked for. The executor creates it by
 * replaying a stored history ({@link OrchestrationExecutor.restore}) and advances it one
 * turn at a time; an engine caches it so that a new event costs one turn, not a replay.
 */
export class LiveOrchestration {
  /** The history as of the last turn (committed, as far as the executor knows). */
  readonly history: HistoryEvent[];
  readonly state: InstanceState;
  readonly ledger: CommandLedger;
  readonly inbox = new ExternalEvents();
  context: TurnContext | undefined;
  /** True while the executor delivers events (replayed or new) to the code. */
  active = false;
  /** True while delivering recorded history. */
  replaying = false;
  /** True while a turn is being computed, to refuse a concurrent one. */
  busy = false;
  /** Epoch milliseconds of the turn being delivered: `ctx.currentUtcDateTime`. */
  currentTime = 0;
  runOutcome: RunOutcome | undefined;
  /** A failure found outside a turn (replay diverged, code ran after its turn); the next turn ends the instance with it. */
  pendingFailure: Error | undefined;
  /** While suspended, inputs wait here and are delivered on resume. */
  suspended = false;
  readonly deferred: HistoryEvent[] = [];
  customStatus: unknown;
  continueAsNew: { readonly input: unknown; readonly preserveUnprocessedEvents: boolean } | undefined;

  constructor(
    readonly instanceId: string,
    history: readonly HistoryEvent[],
  ) {
    this.history = [...history];
    this.state = InstanceState.of(history);
    const recorded = new Map<number, CommandEvent>();
    for (const event of history) if (isCommandEvent(event)) recorded.set(event.seq, event);
    const patches = new Set<string>();
    for (const event of history) if (event.kind === 'PatchApplied') patches.add(event.patchId);
    this.ledger = new CommandLedger(this, recorded, new Set(this.state.releases), patches);
  }

  get status(): OrchestrationRuntimeStatus {
    return this.state.status;
  }

  /** The orchestrator's name, once started. */
  get name(): string {
    return this.state.started?.name ?? '(not started)';
  }

  /**
   * The code used its context when no turn was running: it awaited something that is not
   * a durable task, or left a callback behind. What it asked for cannot be recorded, so
   * the instance fails at its next turn.
   */
  outsideTurn(what: string): NonDeterminismError {
    const error = new NonDeterminismError(
      this.instanceId,
      this.name,
      this.ledger.nextSeq,
      'no durable call (the turn had ended)',
      `${what} from code that ran after its turn ended, which happens when run() awaits something that is not a durable task`,
    );
    if (!this.state.isTerminal) this.pendingFailure ??= error;
    return error;
  }
}
