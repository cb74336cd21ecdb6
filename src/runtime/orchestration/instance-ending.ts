import type { Logger } from 'pino';
import { NonDeterminismError } from '../../errors';
import { toRemoteError } from '../entity-executor';
import { toPlain } from '../value-codec';
import type { HistoryEvent, OutcomeEvent } from './history-events';
import type { LiveOrchestration } from './live-orchestration';
import { deterministicUuid, executionStarted } from './orchestration-ids';
import { OrchestrationRuntimeStatus } from './orchestration-status';
import type { TurnBuilder } from './orchestration-turn';

/**
 * How a live execution ends, within a turn: completed (the output stored), failed (the
 * error stored), continued as new, or terminated. Every ending releases the locks the
 * instance holds or waits for and reports the outcome to a parent orchestration.
 */
export class InstanceEnding {
  constructor(private readonly logger: Logger) {}

  /** After a delivery: ends the instance if its code finished, diverged, or can never continue. */
  endIfFinished(live: LiveOrchestration, turn: TurnBuilder): void {
    const failure = live.ledger.failure ?? live.pendingFailure;
    if (failure) return this.fail(live, turn, failure);
    const outcome = live.runOutcome;
    if (!outcome) return;
    if (!outcome.ok) return this.fail(live, turn, outcome.error);
    if (live.continueAsNew) return this.continueAsNew(live, turn);
    let output: unknown;
    try {
      output = toPlain(outcome.value, `output of orchestrator '${live.name}'`);
    } catch (error) {
      return this.fail(live, turn, error);
    }
    this.end(live, turn, { kind: 'ExecutionCompleted', ...(output === undefined ? {} : { result: output }) });
  }

  /**
   * At the end of a turn: a running instance whose code waits on nothing durable awaited
   * something else (a plain promise, a timeout, I/O) and would hang forever; it fails.
   */
  failIfStuck(live: LiveOrchestration, turn: TurnBuilder): void {
    const stuck = live.status === OrchestrationRuntimeStatus.Running && !live.runOutcome && live.context !== undefined && !live.context.hasPendingWork();
    if (!stuck) return;
    const error = new NonDeterminismError(
      live.instanceId,
      live.name,
      live.ledger.nextStep,
      'a wait on a durable task',
      'a wait on something that is not a durable task (a plain promise, a timeout or I/O): run() can never continue. ' +
        'Await only tasks from the context and do I/O in activities',
    );
    this.fail(live, turn, error);
  }

  fail(live: LiveOrchestration, turn: TurnBuilder, error: unknown): void {
    live.clearPendingFailure();
    if (error instanceof NonDeterminismError) this.logger.error({ instanceId: live.instanceId, err: error }, 'orchestration failed: non-determinism');
    this.end(live, turn, { kind: 'ExecutionFailed', error: toRemoteError(error) });
  }

  /** Ends the execution by terminate (the event is already appended). */
  terminated(live: LiveOrchestration, turn: TurnBuilder): void {
    this.end(live, turn, undefined);
  }

  private continueAsNew(live: LiveOrchestration, turn: TurnBuilder): void {
    const request = live.continueAsNew!;
    const current = live.state.started!;
    const started = executionStarted({
      name: current.name,
      input: request.input,
      // Derived, so a re-run of this turn after a failed commit continues into the same execution.
      executionId: deterministicUuid(`${current.executionId}/continue`),
      generation: current.generation + 1,
      ...(current.parent ? { parent: current.parent } : {}),
    });
    const carriedEvents = request.preserveUnprocessedEvents ? live.inbox.unconsumed() : [];
    turn.continuedAsNew = { started, carriedEvents, preserve: request.preserveUnprocessedEvents };
    this.end(live, turn, { kind: 'ContinuedAsNew', ...(request.input === undefined ? {} : { input: request.input }) });
  }

  private end(live: LiveOrchestration, turn: TurnBuilder, outcome: OutcomeEvent | undefined): void {
    const locks = live.state.locks;
    if (locks) turn.command({ kind: 'LocksReleased', seq: locks.step, entities: locks.entities });
    live.context?.forgetLocks();
    if (outcome) turn.append(outcome);
    const parent = live.state.started?.parent;
    if (!parent || live.status === OrchestrationRuntimeStatus.ContinuedAsNew) return;
    const fields = { seq: parent.seq, executionId: parent.executionId };
    const event: HistoryEvent =
      live.status === OrchestrationRuntimeStatus.Completed
        ? { kind: 'SubOrchestrationCompleted', ...fields, ...(live.state.output === undefined ? {} : { result: live.state.output }) }
        : {
            kind: 'SubOrchestrationFailed',
            ...fields,
            error: live.state.failure ?? {
              name: 'ExecutionTerminated',
              message: `Instance '${live.instanceId}' was terminated: ${String(live.state.output ?? 'no reason given')}`,
            },
          };
    turn.actions.push({
      kind: 'sendEvent',
      instanceId: live.instanceId,
      executionId: live.state.started!.executionId,
      targetInstanceId: parent.instanceId,
      event,
    });
  }
}
