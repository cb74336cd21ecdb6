import 'reflect-metadata';
import { pino, type Logger } from 'pino';
import { Registry, type RegistryOptions } from '../../../src/registry/registry';
import type { HistoryEvent } from '../../../src/runtime/orchestration/history-events';
import type { LiveOrchestration } from '../../../src/runtime/orchestration/live-orchestration';
import type { OrchestrationAction } from '../../../src/runtime/orchestration/orchestration-actions';
import { OrchestrationExecutor, type OrchestrationExecutorOptions } from '../../../src/runtime/orchestration/orchestration-executor';
import { executionStarted } from '../../../src/runtime/orchestration/orchestration-ids';
import type { OrchestrationTurn } from '../../../src/runtime/orchestration/orchestration-turn';

/** The clock every test starts at: 2030-01-01T00:00:00Z. */
export const T0 = Date.UTC(2030, 0, 1);

export const silentLogger: Logger = pino({ level: 'silent' });

export function executorFor(options: RegistryOptions, extra: Partial<OrchestrationExecutorOptions> = {}): OrchestrationExecutor {
  return new OrchestrationExecutor({ registry: Registry.create(options), logger: silentLogger, ...extra });
}

/**
 * Drives one instance the way an engine would: keeps the stored history, runs each turn on
 * the live instance (or restores it from history when `replayEveryTurn` is set or after
 * `evict()`), and appends each turn's new history.
 */
export class Driver {
  readonly history: HistoryEvent[] = [];
  live: LiveOrchestration | undefined;
  now = T0;
  turns: OrchestrationTurn[] = [];
  /** How many turns were computed by a full replay. */
  restores = 0;

  constructor(
    readonly executor: OrchestrationExecutor,
    readonly instanceId = 'instance-1',
    private readonly replayEveryTurn = false,
  ) {}

  /** Starts the instance with a fixed execution id. */
  start(name: string, input?: unknown, executionId = 'exec-1'): Promise<OrchestrationTurn> {
    return this.send([executionStarted({ name, input, executionId })]);
  }

  /** One turn with the given arriving events, `advanceMs` after the previous turn. */
  async send(events: readonly HistoryEvent[], advanceMs = 1_000): Promise<OrchestrationTurn> {
    this.now += this.turns.length === 0 ? 0 : advanceMs;
    if (!this.live || this.replayEveryTurn) {
      this.live = await this.executor.restore(this.instanceId, this.history);
      this.restores++;
    }
    const turn = await this.executor.advance(this.live, events, this.now);
    this.history.push(...turn.newHistory);
    this.turns.push(turn);
    return turn;
  }

  evict(): void {
    this.live = undefined;
  }
}

export const completed = (seq: number, result?: unknown): HistoryEvent => ({ kind: 'TaskCompleted', seq, ...(result === undefined ? {} : { result }) });
export const failed = (seq: number, name: string, message: string, code?: string): HistoryEvent => ({
  kind: 'TaskFailed',
  seq,
  error: { name, message, ...(code ? { code } : {}) },
});
export const fired = (seq: number, fireAt: number): HistoryEvent => ({ kind: 'TimerFired', seq, fireAt });
export const raised = (name: string, input?: unknown): HistoryEvent => ({ kind: 'EventRaised', name, ...(input === undefined ? {} : { input }) });

/** The history without turn markers: what the code recorded and received. */
export function withoutMarkers(events: readonly HistoryEvent[]): HistoryEvent[] {
  return events.filter((event) => event.kind !== 'OrchestratorStarted');
}

/** The actions of one kind. */
export function actionsOf<K extends OrchestrationAction['kind']>(turn: OrchestrationTurn, kind: K): Extract<OrchestrationAction, { kind: K }>[] {
  return turn.actions.filter((action): action is Extract<OrchestrationAction, { kind: K }> => action.kind === kind);
}
