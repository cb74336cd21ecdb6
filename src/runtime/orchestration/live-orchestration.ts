import { NonDeterminismError } from '../../errors';
import { CommandLedger, type CommandRecorder } from './command-ledger';
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

/** What the code asked for with `ctx.continueAsNew`. */
export interface RequestedContinueAsNew {
  readonly input: unknown;
  readonly preserveUnprocessedEvents: boolean;
}

/**
 * An orchestration instance kept in memory between turns: its history, the suspended
 * execution of its `run`, and what the code has asked for. The executor creates it by
 * replaying a stored history ({@link OrchestrationExecutor.restore}) and advances it one
 * turn at a time; an engine caches it so that a new event costs one turn, not a replay.
 *
 * Its mutable state changes only through methods that keep it consistent: a replay or a
 * turn switches the code's access on and off together with the ledger's mode, two turns
 * never overlap, `run`'s first outcome is the one that counts, and inputs that arrive while
 * suspended wait for the resume.
 */
export class LiveOrchestration {
  readonly state: InstanceState;
  readonly ledger: CommandLedger;
  readonly inbox = new ExternalEvents();
  private readonly recordedHistory: HistoryEvent[];
  private turnContext: TurnContext | undefined;
  private codeMayRun = false;
  private isReplaying = false;
  private turnRunning = false;
  private clock = 0;
  private outcome: RunOutcome | undefined;
  private failureForNextTurn: Error | undefined;
  private isSuspended = false;
  private readonly deferred: HistoryEvent[] = [];
  private statusSetByCode: unknown;
  private continuation: RequestedContinueAsNew | undefined;

  constructor(
    readonly instanceId: string,
    history: readonly HistoryEvent[],
  ) {
    this.recordedHistory = [...history];
    this.state = InstanceState.of(history);
    const recorded = new Map<number, CommandEvent>();
    for (const event of history) if (isCommandEvent(event)) recorded.set(event.seq, event);
    const patches = new Set<string>();
    for (const event of history) if (event.kind === 'PatchApplied') patches.add(event.patchId);
    this.ledger = new CommandLedger(this, recorded, new Set(this.state.releases), patches);
  }

  /** The history as of the last turn (committed, as far as the executor knows). */
  get history(): readonly HistoryEvent[] {
    return this.recordedHistory;
  }

  get status(): OrchestrationRuntimeStatus {
    return this.state.status;
  }

  /** The orchestrator's name, once started. */
  get name(): string {
    return this.state.started?.name ?? '(not started)';
  }

  /** The context the code runs with, once its execution started. */
  get context(): TurnContext | undefined {
    return this.turnContext;
  }

  /** True while the executor delivers events (replayed or new) to the code: only then may it use its context. */
  get active(): boolean {
    return this.codeMayRun;
  }

  /** True while delivering recorded history. */
  get replaying(): boolean {
    return this.isReplaying;
  }

  /** Epoch milliseconds of the turn being delivered: `ctx.currentUtcDateTime`. */
  get currentTime(): number {
    return this.clock;
  }

  /** How `run` ended (undefined while it runs). */
  get runOutcome(): RunOutcome | undefined {
    return this.outcome;
  }

  /** A failure found outside a turn (replay diverged, code ran after its turn); the next turn ends the instance with it. */
  get pendingFailure(): Error | undefined {
    return this.failureForNextTurn;
  }

  /** True while suspended: inputs wait and are delivered on resume. */
  get suspended(): boolean {
    return this.isSuspended;
  }

  /** The plain custom status the code set last. */
  get customStatus(): unknown {
    return this.statusSetByCode;
  }

  /** What the code asked for with `continueAsNew` (undefined: it did not). */
  get continueAsNew(): RequestedContinueAsNew | undefined {
    return this.continuation;
  }

  /** Starts or ends delivering recorded history: the code may use its context, and the ledger matches calls with history. */
  setReplaying(replaying: boolean): void {
    this.isReplaying = replaying;
    this.ledger.replaying = replaying;
    this.codeMayRun = replaying;
  }

  /** Starts a turn whose commands go to `recorder`; refuses a second turn while one runs. */
  beginTurn(recorder: CommandRecorder): void {
    if (this.turnRunning) throw new Error(`internal: two turns of instance '${this.instanceId}' ran at once`);
    this.turnRunning = true;
    this.ledger.recorder = recorder;
    this.codeMayRun = true;
  }

  /** Ends the turn begun with {@link beginTurn} and appends what it added to the history. */
  endTurn(newHistory: readonly HistoryEvent[]): void {
    this.codeMayRun = false;
    this.ledger.recorder = undefined;
    this.turnRunning = false;
    this.recordedHistory.push(...newHistory);
  }

  /** Ends a turn that threw: nothing is appended (the instance is discarded by its owner). */
  abortTurn(): void {
    this.codeMayRun = false;
    this.ledger.recorder = undefined;
    this.turnRunning = false;
  }

  /** Moves `ctx.currentUtcDateTime` to the time of the turn being delivered. */
  advanceClock(epochMs: number): void {
    this.clock = epochMs;
  }

  /** Connects the context the code was started with. */
  attachContext(context: TurnContext): void {
    this.turnContext = context;
  }

  /** Records how `run` ended; only the first outcome counts. */
  recordRunOutcome(outcome: RunOutcome): void {
    this.outcome ??= outcome;
  }

  /** Replay found that the code no longer matches its history: the next turn fails the instance with `problem`. */
  replayDiverged(problem: Error): void {
    this.failureForNextTurn = problem;
  }

  /** The next turn fails the instance with `error`, unless an earlier failure is waiting or the instance has ended. */
  failAtNextTurn(error: Error | undefined): void {
    if (!this.state.isTerminal) this.failureForNextTurn ??= error;
  }

  /** The waiting failure has ended the instance. */
  clearPendingFailure(): void {
    this.failureForNextTurn = undefined;
  }

  suspend(): void {
    this.isSuspended = true;
  }

  /** Resumes and hands back the inputs that waited, in arrival order. */
  resume(): HistoryEvent[] {
    this.isSuspended = false;
    return this.deferred.splice(0);
  }

  /** Keeps an input for the resume while suspended; false when it can be delivered now. */
  deferWhileSuspended(event: HistoryEvent): boolean {
    if (!this.isSuspended) return false;
    this.deferred.push(event);
    return true;
  }

  setCustomStatus(plain: unknown): void {
    this.statusSetByCode = plain;
  }

  requestContinueAsNew(request: RequestedContinueAsNew): void {
    this.continuation = request;
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
      this.ledger.nextStep,
      'no durable call (the turn had ended)',
      `${what} from code that ran after its turn ended, which happens when run() awaits something that is not a durable task`,
    );
    this.failAtNextTurn(error);
    return error;
  }
}
