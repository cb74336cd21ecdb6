import { entityIdToString } from '../../registry/entity-id';
import type { CommandEvent, HistoryEvent, HistoryEventKind, ResponseEvent } from './history-events';

// How the executor classifies history events, and how commands are named on replay.

const COMMAND_KINDS: ReadonlySet<HistoryEventKind> = new Set([
  'TaskScheduled',
  'TimerCreated',
  'SubOrchestrationCreated',
  'EntityCalled',
  'EntitySignaled',
  'LockRequested',
  'EventSent',
]);

/** The response kinds that answer each command kind (signals get no answer). */
export const RESPONSES_OF: Readonly<Record<CommandEvent['kind'], readonly ResponseEvent['kind'][]>> = {
  TaskScheduled: ['TaskCompleted', 'TaskFailed'],
  TimerCreated: ['TimerFired'],
  SubOrchestrationCreated: ['SubOrchestrationCompleted', 'SubOrchestrationFailed'],
  EntityCalled: ['EntityResponse'],
  EntitySignaled: [],
  LockRequested: ['LockGranted'],
  EventSent: [],
};

const RESPONSE_KINDS: ReadonlySet<HistoryEventKind> = new Set(Object.values(RESPONSES_OF).flat());

export function isCommandEvent(event: HistoryEvent): event is CommandEvent {
  return COMMAND_KINDS.has(event.kind);
}

export function isResponseEvent(event: HistoryEvent): event is ResponseEvent {
  return RESPONSE_KINDS.has(event.kind);
}

/** Kinds an engine may feed to the executor; the others are written by the executor itself. */
export function isArrivingEvent(event: HistoryEvent): boolean {
  switch (event.kind) {
    case 'ExecutionStarted':
    case 'EventRaised':
    case 'ExecutionTerminated':
    case 'ExecutionSuspended':
    case 'ExecutionResumed':
      return true;
    default:
      return isResponseEvent(event);
  }
}

/** The name a command is matched by on replay (with its kind and seq). */
export function commandName(event: CommandEvent): string {
  switch (event.kind) {
    case 'TaskScheduled':
    case 'SubOrchestrationCreated':
      return event.name;
    case 'TimerCreated':
      return '';
    case 'EntityCalled':
    case 'EntitySignaled':
      return `${entityIdToString(event.target)}.${event.operation}`;
    case 'LockRequested':
      return event.entities.map(entityIdToString).join(', ');
    case 'EventSent':
      return `${event.instanceId}:${event.name}`;
  }
}

/** `TaskScheduled 'Greeter.sayHello'`: a command as error messages show it. */
export function describeCommand(event: CommandEvent): string {
  const name = commandName(event);
  return name ? `${event.kind} '${name}'` : event.kind;
}
