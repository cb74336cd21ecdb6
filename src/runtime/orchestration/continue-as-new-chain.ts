import type { OperationMessage } from '../messages';
import type { ExecutionStartedEvent, HistoryEvent } from './history-events';
import type { LiveOrchestration } from './live-orchestration';
import type { OrchestrationAction } from './orchestration-actions';
import type { OrchestrationExecutor } from './orchestration-executor';
import { deliverMessage } from './orchestration-target';
import type { DroppedEvent, OrchestrationTurn } from './orchestration-turn';

/**
 * Most `continueAsNew` hops run within one operation. The execution after the last one is
 * started by a message the instance sends itself, so a tight loop lets the instance's other
 * messages (events, terminate) and its partition's other targets in between.
 */
export const CONTINUATIONS_PER_OPERATION = 100;

/** What one operation's turns did: the first turn, and every execution it continued into. */
export interface TurnChain {
  /** The turn that took the arrived events. */
  readonly first: OrchestrationTurn;
  /** The turn of the last execution that ran (the first one when nothing continued as new). */
  readonly last: OrchestrationTurn;
  /** The live instance of the last execution that ran. */
  readonly live: LiveOrchestration;
  /**
   * Set when the chain continued as new: the start of the execution the stored instance is now
   * at (which has not run yet when {@link continuation} is set).
   */
  readonly restarted?: ExecutionStartedEvent;
  /**
   * Events for the stored history: without {@link restarted}, to append to it; with it, the
   * whole history of the new execution.
   */
  readonly history: readonly HistoryEvent[];
  /** Every turn's actions, in order, to carry out once the chain is committed. */
  readonly actions: readonly OrchestrationAction[];
  /** Arrived events the turns did not append. */
  readonly dropped: readonly DroppedEvent[];
  /** True when the stored instance changes: a turn appended history, or the execution continued as new. */
  readonly changed: boolean;
  /** When the chain stopped at {@link CONTINUATIONS_PER_OPERATION}: the message that starts the next execution. */
  readonly continuation?: OperationMessage;
}

/**
 * Advances `live` with `events`, then runs each execution it continues as new into, at most
 * {@link CONTINUATIONS_PER_OPERATION} of them; the rest is left to a message.
 */
export async function runTurnChain(
  executor: Pick<OrchestrationExecutor, 'advance' | 'restore'>,
  live: LiveOrchestration,
  events: readonly HistoryEvent[],
  now: number,
): Promise<TurnChain> {
  const instanceId = live.instanceId;
  const first = await executor.advance(live, events, now);
  const actions = [...first.actions];
  const dropped = [...first.dropped];
  let history = [...first.newHistory];
  let changed = first.newHistory.length > 0;
  let turn = first;
  let restarted: ExecutionStartedEvent | undefined;
  let continuation: OperationMessage | undefined;
  for (let hops = 0; turn.continuedAsNew; hops++) {
    const { started, carriedEvents } = turn.continuedAsNew;
    restarted = started;
    history = [];
    changed = true;
    if (hops === CONTINUATIONS_PER_OPERATION) {
      continuation = deliverMessage(`${started.executionId}>continue`, instanceId, [started, ...carriedEvents]);
      break;
    }
    live = await executor.restore(instanceId, []);
    turn = await executor.advance(live, [started, ...carriedEvents], now);
    history.push(...turn.newHistory);
    actions.push(...turn.actions);
    dropped.push(...turn.dropped);
  }
  return {
    first,
    last: turn,
    live,
    ...(restarted ? { restarted } : {}),
    history,
    actions,
    dropped,
    changed,
    ...(continuation ? { continuation } : {}),
  };
}
