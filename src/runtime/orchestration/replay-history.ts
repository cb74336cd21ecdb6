import { pino } from 'pino';
import { InvalidOptionsError } from '../../errors';
import type { Constructor } from '../../registry/entity-definition';
import { Registry } from '../../registry/registry';
import type { HistoryEvent } from './history-events';
import type { OrchestratorClass } from './orchestration-context';
import { OrchestrationExecutor } from './orchestration-executor';

/** Options of {@link replayHistory}. */
export interface ReplayHistoryOptions {
  /** Orchestrators the code starts by class as sub-orchestrations. */
  readonly orchestrators?: readonly Function[];
  /** Activity classes the code reaches through `ctx.activities(Class)`. */
  readonly activities?: readonly Function[];
  /** Entity classes the code reaches through `ctx.entity(Class, key)`. */
  readonly entities?: readonly Function[];
  /** Creates orchestrator instances, as the app's `resolve` does. Default `new ctor()`. */
  readonly createInstance?: (ctor: Constructor) => object;
  /** The instance id the code sees as `ctx.instanceId`. Default: the one of the status given, or `'replay'`. */
  readonly instanceId?: string;
}

/** A stored history: the events, or a status read with `showHistory: true`. */
export type ReplayableHistory = readonly HistoryEvent[] | { readonly instanceId?: string; readonly history?: readonly HistoryEvent[] };

/**
 * Replays a recorded history against the current code of `orchestrator` and throws the
 * `NonDeterminismError` of the first step where the code no longer does what the history
 * recorded (a different durable call, a missing one, a different output or ending).
 * Completed, failed, terminated and running instances all replay; nothing runs for real
 * (activities, timers and entities are answered from the history) and nothing is stored.
 * Run it in CI over histories saved from production before deploying new orchestrator code.
 *
 * @example
 * ```ts
 * const status = await client.getStatus('order-42', { showHistory: true });
 * writeFileSync('test/histories/order-42.json', JSON.stringify(status));
 * // later, in a test:
 * await replayHistory(OrderProcess, JSON.parse(readFileSync('test/histories/order-42.json', 'utf8')), { activities: [Payments] });
 * ```
 */
export async function replayHistory(orchestrator: OrchestratorClass, history: ReplayableHistory, options: ReplayHistoryOptions = {}): Promise<void> {
  const events = Array.isArray(history) ? (history as readonly HistoryEvent[]) : (history as { history?: readonly HistoryEvent[] }).history;
  if (!Array.isArray(events)) {
    throw new InvalidOptionsError('replayHistory() needs a history: an array of events, or a status read with { showHistory: true }.');
  }
  const registry = Registry.create({
    orchestrators: [...new Set([orchestrator, ...(options.orchestrators ?? [])])],
    activities: options.activities ?? [],
    entities: options.entities ?? [],
  });
  const name = registry.orchestratorOf(orchestrator).name;
  const started = events.find((event) => event.kind === 'ExecutionStarted');
  if (started && started.name !== name) {
    throw new InvalidOptionsError(
      `This history is of orchestrator '${started.name}', not '${name}'. Replay it against the class registered as '${started.name}'.`,
    );
  }
  const executor = new OrchestrationExecutor({
    registry,
    logger: pino({ level: 'silent' }),
    // Activities are answered from the history: the code may name activities this process does not host.
    requireRegisteredActivities: false,
    ...(options.createInstance ? { createInstance: options.createInstance } : {}),
  });
  const instanceId = options.instanceId ?? (!Array.isArray(history) ? (history as { instanceId?: string }).instanceId : undefined) ?? 'replay';
  const problem = await executor.replayAll(instanceId, events);
  if (problem) throw problem;
}
