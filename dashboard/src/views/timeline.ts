/** A history event as the API returns it (`showHistory=true&showHistoryOutput=true`). */
export interface HistoryEvent {
  readonly kind: string;
  readonly seq?: number;
  readonly name?: string;
  readonly timestamp?: number;
  readonly input?: unknown;
  readonly result?: unknown;
  readonly error?: { name?: string; message?: string; code?: string };
  readonly reason?: string;
  readonly attempt?: number;
  readonly fireAt?: number;
  readonly instanceId?: string;
  readonly target?: { name: string; key: string };
  readonly operation?: string;
  readonly entities?: readonly { name: string; key: string }[];
  readonly scheduledTime?: number;
  readonly patchId?: string;
}

/** What a step of the timeline is. */
export type StepKind = 'activity' | 'timer' | 'sub-orchestration' | 'entity-call' | 'entity-signal' | 'lock' | 'event-sent' | 'event' | 'lifecycle' | 'outcome';

/** One row of the timeline: a durable call with its answer, or an event at one time. */
export interface Step {
  readonly kind: StepKind;
  readonly title: string;
  readonly detail?: string;
  readonly seq?: number;
  /** Epoch ms of the turn that made the call (or received the event). */
  readonly start: number | undefined;
  /** Epoch ms of the turn that received the answer; undefined while waiting. */
  end: number | undefined;
  state: 'waiting' | 'done' | 'failed' | 'point';
  attempt?: number;
  readonly input?: unknown;
  result?: unknown;
  error?: { name?: string; message?: string; code?: string };
}

const ANSWERS: Readonly<Record<string, boolean>> = {
  TaskCompleted: true,
  TaskFailed: false,
  TimerFired: true,
  SubOrchestrationCompleted: true,
  SubOrchestrationFailed: false,
  EntityResponse: true,
  LockGranted: true,
};

const entityName = (id: { name: string; key: string } | undefined): string => (id ? `${id.name}/${id.key}` : '');

/**
 * Turns a history into timeline steps: each durable call (activity, timer,
 * sub-orchestration, entity call or signal, lock, sent event) with the time of the turn that
 * made it and of the turn its answer arrived in, and the events in between.
 */
export function buildTimeline(history: readonly HistoryEvent[]): Step[] {
  const steps: Step[] = [];
  const bySeq = new Map<number, Step>();
  let turn: number | undefined;
  const point = (kind: StepKind, title: string, detail?: string, extra: Partial<Step> = {}): void => {
    steps.push({ kind, title, ...(detail === undefined ? {} : { detail }), start: turn, end: turn, state: 'point', ...extra });
  };
  const call = (event: HistoryEvent, kind: StepKind, title: string, detail?: string): void => {
    const step: Step = {
      kind,
      title,
      ...(detail === undefined ? {} : { detail }),
      seq: event.seq,
      start: turn,
      end: undefined,
      state: kind === 'entity-signal' || kind === 'event-sent' ? 'point' : 'waiting',
      ...(event.attempt === undefined ? {} : { attempt: event.attempt }),
      input: event.input,
    };
    if (step.state === 'point') step.end = turn;
    // A retry carries its attempt number; the first attempt carries none, so it gets its number from the retry.
    if (kind === 'activity' && event.attempt !== undefined && event.attempt > 1) {
      const previous = steps.findLast((earlier) => earlier.kind === 'activity' && earlier.title === title && earlier.attempt === undefined);
      if (previous) previous.attempt = event.attempt - 1;
    }
    steps.push(step);
    if (event.seq !== undefined) bySeq.set(event.seq, step);
  };
  for (const event of history) {
    switch (event.kind) {
      case 'OrchestratorStarted':
        turn = event.timestamp;
        break;
      case 'ExecutionStarted':
        point('lifecycle', 'Started', event.name, { input: event.input });
        break;
      case 'TaskScheduled':
        call(event, 'activity', `Activity ${event.name ?? ''}`);
        break;
      case 'TimerCreated':
        call(event, 'timer', 'Timer', event.fireAt === undefined ? undefined : `fires at ${new Date(event.fireAt).toISOString()}`);
        break;
      case 'SubOrchestrationCreated':
        call(event, 'sub-orchestration', `Sub-orchestration ${event.name ?? ''}`, event.instanceId);
        break;
      case 'EntityCalled':
        call(event, 'entity-call', `Call ${entityName(event.target)}.${event.operation ?? ''}`);
        break;
      case 'EntitySignaled':
        call(event, 'entity-signal', `Signal ${entityName(event.target)}.${event.operation ?? ''}`);
        break;
      case 'LockRequested':
        call(event, 'lock', 'Lock', (event.entities ?? []).map(entityName).join(', '));
        break;
      case 'EventSent':
        call(event, 'event-sent', `Event sent: ${event.name ?? ''}`, `to ${event.instanceId ?? ''}`);
        break;
      case 'LocksReleased':
        point('lock', 'Locks released', (event.entities ?? []).map(entityName).join(', '));
        break;
      case 'EventRaised':
        point('event', `Event raised: ${event.name ?? ''}`, undefined, { input: event.input });
        break;
      case 'ExecutionSuspended':
      case 'ExecutionResumed':
      case 'ExecutionTerminated':
        point(event.kind === 'ExecutionTerminated' ? 'outcome' : 'lifecycle', event.kind.replace('Execution', ''), event.reason);
        break;
      case 'ExecutionCompleted':
        point('outcome', 'Completed', undefined, { result: event.result });
        break;
      case 'ExecutionFailed':
        point('outcome', 'Failed', event.error?.message, { ...(event.error ? { error: event.error } : {}) });
        break;
      case 'ContinuedAsNew':
        point('lifecycle', 'Continued as new', undefined, { input: event.input });
        break;
      case 'PatchApplied':
        point('lifecycle', `Patch ${event.patchId ?? ''}`);
        break;
      default: {
        const ok = ANSWERS[event.kind];
        const step = event.seq === undefined ? undefined : bySeq.get(event.seq);
        if (ok === undefined || !step) {
          point('lifecycle', event.kind);
          break;
        }
        step.end = turn;
        const failed = !ok || (event.kind === 'EntityResponse' && event.error !== undefined);
        step.state = failed ? 'failed' : 'done';
        if (failed && event.error) step.error = event.error;
        if (!failed && 'result' in event) step.result = event.result;
      }
    }
  }
  return steps;
}
