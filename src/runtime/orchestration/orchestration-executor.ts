import type { Logger } from 'pino';
import { NonDeterminismError, UnknownOrchestratorError } from '../../errors';
import type { Constructor } from '../../registry/entity-definition';
import type { Registry } from '../../registry/registry';
import { fromPlain, toPlain } from '../value-codec';
import { describeCommand, isResponseEvent } from './history-event-kinds';
import type { ExecutionStartedEvent, HistoryEvent, OutcomeEvent } from './history-events';
import { CallChecks } from './call-checks';
import { InstanceEnding } from './instance-ending';
import { LiveOrchestration } from './live-orchestration';
import { OrchestrationContextImpl } from './orchestration-context-impl';
import type { OrchestratorInstance } from './orchestration-context';
import { TurnBuilder, type OrchestrationTurn } from './orchestration-turn';

/** Dependencies of the {@link OrchestrationExecutor}. */
export interface OrchestrationExecutorOptions {
  readonly registry: Registry;
  readonly logger: Logger;
  /** Creates orchestrator instances (the dependency-injection hook); `new ctor()` by default. */
  readonly createInstance?: (ctor: Constructor) => object;
  /**
   * Refuse `callActivity` names the registry does not know (true, the default), or accept any
   * valid name (for workers that host orchestrators but not their activities).
   */
  readonly requireRegisteredActivities?: boolean;
}

// Captured once: a test's fake timers must not stop the executor from draining microtasks.
const immediate = setImmediate;

/** Lets every microtask run: the code continues until it waits on a durable task again. */
function drain(): Promise<void> {
  return new Promise((resolve) => immediate(resolve));
}

/**
 * Runs orchestrator code against history, deterministically. Engine-agnostic: an engine
 * stores histories, feeds arriving events, commits each turn's output and carries out
 * its actions.
 *
 * - {@link restore} rebuilds a {@link LiveOrchestration} by replaying a stored history: the
 *   recorded inputs are delivered in order, and every durable call the code makes is
 *   matched with the command recorded at its step.
 * - {@link advance} appends newly arrived events to a live instance, delivering each to the
 *   code in turn, and returns an {@link OrchestrationTurn}.
 *
 * A live instance is advanced turn after turn without replay; after eviction or a restart
 * it is restored from history. A replay that diverges from history fails the instance
 * with a {@link NonDeterminismError} at its next turn, appending nothing it replayed.
 */
export class OrchestrationExecutor {
  private readonly checks: CallChecks;
  private readonly ending: InstanceEnding;

  constructor(private readonly options: OrchestrationExecutorOptions) {
    this.checks = new CallChecks(options.registry, options.requireRegisteredActivities ?? true);
    this.ending = new InstanceEnding(options.logger);
  }

  /** Rebuilds an instance from its stored history (full replay). */
  async restore(instanceId: string, history: readonly HistoryEvent[]): Promise<LiveOrchestration> {
    const live = new LiveOrchestration(instanceId, history);
    if (live.state.isTerminal) return live;
    live.setReplaying(true);
    try {
      for (const event of history) {
        await this.deliver(live, event);
        const problem = this.replayProblem(live);
        if (problem) {
          live.replayDiverged(problem);
          break;
        }
      }
      live.failAtNextTurn(live.ledger.checkAllRepeated());
    } finally {
      live.setReplaying(false);
    }
    return live;
  }

  /**
   * Runs one turn: appends the arriving `events` that are valid (others are reported as
   * dropped), delivers each to the code, and records what the code does. `now` (epoch
   * milliseconds) is the turn's `currentUtcDateTime`. Assumes the turn will be committed:
   * if the commit fails, discard `live` and restore from the stored history.
   */
  async advance(live: LiveOrchestration, events: readonly HistoryEvent[], now: number): Promise<OrchestrationTurn> {
    const turn = new TurnBuilder(live);
    live.beginTurn((event) => turn.command(event));
    try {
      if (!live.state.isTerminal) {
        turn.append({ kind: 'OrchestratorStarted', timestamp: now });
        live.advanceClock(now);
      }
      if (live.pendingFailure && !live.state.isTerminal) this.ending.fail(live, turn, live.pendingFailure);
      for (const event of events) {
        if (live.state.isTerminal) {
          turn.afterEnd(event);
          continue;
        }
        const reason = live.state.rejectReason(event);
        if (reason) {
          turn.dropped.push({ event, reason });
          continue;
        }
        turn.append(event);
        if (event.kind === 'ExecutionTerminated') {
          this.ending.terminated(live, turn);
          continue;
        }
        await this.deliver(live, event);
        this.ending.endIfFinished(live, turn);
      }
      this.ending.failIfStuck(live, turn);
    } catch (error) {
      live.abortTurn();
      throw error;
    }
    const result = turn.build();
    live.endTurn(result.newHistory);
    return result;
  }

  /**
   * Replays a whole history, its outcome included, against the current code and returns the
   * first difference as a {@link NonDeterminismError} (undefined when the code repeats it):
   * the same durable calls in the same order, and the same ending (the same output when it
   * completed, a throw when it failed in its code, the same input when it continued as new).
   * Nothing is run for real and nothing is stored.
   */
  async replayAll(instanceId: string, history: readonly HistoryEvent[]): Promise<NonDeterminismError | UnknownOrchestratorError | undefined> {
    const last = history.at(-1);
    const outcome: OutcomeEvent | undefined =
      last?.kind === 'ExecutionCompleted' || last?.kind === 'ExecutionFailed' || last?.kind === 'ContinuedAsNew' ? last : undefined;
    const body = outcome ? history.slice(0, -1) : history;
    const live = new LiveOrchestration(instanceId, body);
    const endReleases = new Set<number>();
    let ended = false;
    live.setReplaying(true);
    try {
      for (const event of body) {
        if (ended) {
          if (event.kind === 'LocksReleased') endReleases.add(event.seq);
          else if (event.kind !== 'OrchestratorStarted') live.ledger.fail(live.ledger.nextStep, `${event.kind} (the instance went on)`, describeEnd(live));
          if (live.ledger.failure) break;
          continue;
        }
        if (event.kind === 'ExecutionTerminated') {
          ended = true;
          continue;
        }
        await this.deliver(live, event);
        if (live.ledger.failure) break;
        const outcomeNow = live.runOutcome;
        if (outcomeNow && !outcomeNow.ok && outcomeNow.error instanceof UnknownOrchestratorError) return outcomeNow.error;
        if (outcomeNow) ended = true;
      }
      if (!live.ledger.failure) this.compareEnding(live, outcome);
      return live.ledger.checkAllRepeated(endReleases);
    } finally {
      live.setReplaying(false);
    }
  }

  private compareEnding(live: LiveOrchestration, outcome: OutcomeEvent | undefined): void {
    const run = live.runOutcome;
    const at = live.ledger.nextStep;
    if (!outcome) {
      if (run && !live.state.isTerminal) live.ledger.fail(at, 'the instance still running', describeEnd(live));
      return;
    }
    if (outcome.kind === 'ExecutionFailed') {
      // Without a throw from run(), the runtime failed it (non-determinism, a stuck wait): nothing to compare.
      if (run?.ok) live.ledger.fail(at, 'ExecutionFailed', describeEnd(live));
      return;
    }
    if (!run) {
      live.ledger.fail(at, outcome.kind, 'the code still waiting for a durable task');
      return;
    }
    const recorded = outcome.kind === 'ExecutionCompleted' ? outcome.result : outcome.input;
    const expected = `${outcome.kind} ${JSON.stringify(recorded)}`;
    if (!run.ok || (outcome.kind === 'ContinuedAsNew') !== (live.continueAsNew !== undefined)) {
      live.ledger.fail(at, expected, describeEnd(live));
      return;
    }
    let now: unknown;
    try {
      now = outcome.kind === 'ExecutionCompleted' ? toPlain(run.value, 'output') : live.continueAsNew!.input;
    } catch (error) {
      live.ledger.fail(at, expected, `an output that cannot be stored (${describeError(error)})`);
      return;
    }
    if (JSON.stringify(now) !== JSON.stringify(recorded)) live.ledger.fail(at, expected, `${outcome.kind} ${JSON.stringify(now)}`);
  }

  /** {@link restore} followed by {@link advance}: one turn of an instance that is not in memory. */
  async execute(
    instanceId: string,
    history: readonly HistoryEvent[],
    events: readonly HistoryEvent[],
    now: number,
  ): Promise<{ live: LiveOrchestration; turn: OrchestrationTurn }> {
    const live = await this.restore(instanceId, history);
    return { live, turn: await this.advance(live, events, now) };
  }

  /** Delivers one history event to the code (recorded commands are matched by step, not delivered). */
  private async deliver(live: LiveOrchestration, event: HistoryEvent): Promise<void> {
    switch (event.kind) {
      case 'OrchestratorStarted':
        live.advanceClock(event.timestamp);
        return;
      case 'ExecutionStarted':
        this.start(live, event);
        await drain();
        return;
      case 'ExecutionSuspended':
        live.suspend();
        return;
      case 'ExecutionResumed':
        for (const deferred of live.resume()) {
          if (live.runOutcome || live.ledger.failure) return;
          await this.deliverInput(live, deferred);
        }
        return;
      case 'EventRaised':
        if (!live.deferWhileSuspended(event)) await this.deliverInput(live, event);
        return;
      default:
        if (!isResponseEvent(event)) return;
        if (!live.deferWhileSuspended(event)) await this.deliverInput(live, event);
    }
  }

  private async deliverInput(live: LiveOrchestration, event: HistoryEvent): Promise<void> {
    if (event.kind === 'EventRaised') {
      if (live.inbox.receive(event)) await drain();
      return;
    }
    if (!isResponseEvent(event)) return;
    if (live.context?.receive(event)) {
      await drain();
      return;
    }
    // The code did not make the call this answers: it no longer makes it, or makes it later.
    const recorded = live.state.commands.get(event.seq)?.event;
    if (live.replaying && recorded) live.ledger.fail(event.seq, describeCommand(recorded), 'no such call before its response in history');
  }

  private start(live: LiveOrchestration, started: ExecutionStartedEvent): void {
    let pending: unknown;
    try {
      const definition = this.options.registry.orchestratorNamed(started.name);
      const context = new OrchestrationContextImpl(live, started, { checks: this.checks, logger: this.options.logger });
      live.attachContext(context);
      const input = fromPlain(definition.inputType, started.input);
      const create = this.options.createInstance ?? ((ctor: Constructor) => new (ctor as new () => object)());
      const instance = create(definition.ctor) as OrchestratorInstance;
      pending = instance.run(context, input);
    } catch (error) {
      live.recordRunOutcome({ ok: false, error });
      return;
    }
    Promise.resolve(pending).then(
      (value) => live.recordRunOutcome({ ok: true, value }),
      (error: unknown) => live.recordRunOutcome({ ok: false, error }),
    );
  }

  /** During replay: the first sign that the code no longer matches its history. */
  private replayProblem(live: LiveOrchestration): Error | undefined {
    if (live.ledger.failure) return live.ledger.failure;
    const outcome = live.runOutcome;
    if (!outcome) return undefined;
    if (!outcome.ok && outcome.error instanceof UnknownOrchestratorError) return outcome.error;
    // A history without an outcome was recorded while run() was still running.
    const next = live.state.commands.get(live.ledger.nextStep)?.event;
    const found = outcome.ok ? 'run() returning' : `run() throwing ${describeError(outcome.error)}`;
    live.ledger.fail(live.ledger.nextStep, next ? describeCommand(next) : 'the instance still running', found);
    return live.ledger.failure;
  }
}

/** How the code ended on replay, for error messages. */
function describeEnd(live: LiveOrchestration): string {
  const run = live.runOutcome;
  if (!run) return 'the code still waiting for a durable task';
  if (!run.ok) return `run() throwing ${describeError(run.error)}`;
  return live.continueAsNew ? `ContinuedAsNew ${JSON.stringify(live.continueAsNew.input)}` : 'run() returning';
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
