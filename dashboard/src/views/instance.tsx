import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, errorText, segment } from '../api';
import { Card, ConfirmDialog, Empty, ErrorBox, JsonView, LiveBadge, PageHeader, StatusBadge, toast, type PendingAction } from '../components';
import { dateTime, duration, parseJsonInput } from '../format';
import { useLive } from '../live';
import { href, navigate } from '../router';
import { buildTimeline, type HistoryEvent, type Step } from './timeline';

/** The status body with its history. */
interface InstanceDetails {
  readonly instanceId: string;
  readonly name: string;
  readonly runtimeStatus: string;
  readonly input: unknown;
  readonly output: unknown;
  readonly customStatus: unknown;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
  readonly failureDetails?: { name?: string; message?: string; code?: string };
  readonly historyEvents?: readonly HistoryEvent[];
}

const RUNNING = ['Pending', 'Running', 'Suspended'];
const ENDED = ['Completed', 'Failed', 'Terminated'];

export function InstanceView({ instanceId }: { instanceId: string }) {
  const [details, setDetails] = useState<InstanceDetails>();
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string>();
  const [action, setAction] = useState<PendingAction>();
  const request = useRef(0);
  // Set by a purge from this page: the change it causes must not reload the instance (it is gone).
  const purging = useRef(false);
  const path = `/instances/${segment(instanceId)}`;

  const load = useCallback(async () => {
    if (purging.current) return;
    const id = ++request.current;
    try {
      const reply = await api<InstanceDetails>(path, { query: { showHistory: 'true', showHistoryOutput: 'true', showInput: 'true' } });
      if (id !== request.current) return;
      setDetails(reply.body);
      setMissing(false);
      setError(undefined);
    } catch (failure) {
      if (id !== request.current) return;
      if (failure instanceof ApiError && failure.status === 404) {
        setMissing(true);
        setDetails(undefined);
      } else setError(errorText(failure));
    }
  }, [path]);

  useEffect(() => {
    setDetails(undefined);
    setMissing(false);
    void load();
  }, [load]);
  const live = useLive('/streams/instances', { instanceId }, { events: { changes: () => void load() }, reconnected: () => void load() });

  const status = details?.runtimeStatus ?? '';
  const command = (name: 'terminate' | 'suspend' | 'resume' | 'rewind', title: string, description: string, danger = false): PendingAction => ({
    title,
    description,
    confirmLabel: title,
    danger,
    fields: [{ name: 'reason', label: 'Reason (optional)', kind: 'text', placeholder: 'Why, for the history' }],
    run: async ({ reason }) => {
      await api(`${path}/${name}`, { method: 'POST', query: { reason } });
      toast(`${title}: requested for ${instanceId}`);
      void load();
    },
  });
  const actions: { label: string; enabled: boolean; action: () => PendingAction; danger?: boolean; testId: string }[] = [
    {
      label: 'Raise event',
      testId: 'action-raise-event',
      enabled: RUNNING.includes(status),
      action: () => ({
        title: 'Raise event',
        description: 'Deliver an external event to this instance. Its code receives the data in waitForExternalEvent.',
        confirmLabel: 'Raise event',
        fields: [
          { name: 'eventName', label: 'Event name', kind: 'text', placeholder: 'approval', required: true },
          { name: 'data', label: 'Data (JSON)', kind: 'json', placeholder: '{ "approved": true }' },
        ],
        run: async ({ eventName, data }) => {
          const body = parseJsonInput(data ?? '', 'The data');
          await api(`${path}/raiseEvent/${segment((eventName ?? '').trim())}`, { method: 'POST', ...(body === undefined ? {} : { body }) });
          toast(`Event '${(eventName ?? '').trim()}' raised`);
          void load();
        },
      }),
    },
    {
      label: 'Suspend',
      testId: 'action-suspend',
      enabled: status === 'Running' || status === 'Pending',
      action: () => command('suspend', 'Suspend', 'Pause the instance. Events that arrive are kept and delivered when it resumes.'),
    },
    {
      label: 'Resume',
      testId: 'action-resume',
      enabled: status === 'Suspended',
      action: () => command('resume', 'Resume', 'Continue the suspended instance, delivering the events kept meanwhile.'),
    },
    {
      label: 'Terminate',
      testId: 'action-terminate',
      danger: true,
      enabled: RUNNING.includes(status),
      action: () =>
        command(
          'terminate',
          'Terminate',
          'End the instance now. It cannot be resumed; its activities already running finish but their results are dropped.',
          true,
        ),
    },
    {
      label: 'Rewind',
      testId: 'action-rewind',
      enabled: status === 'Failed',
      action: () => command('rewind', 'Rewind', 'Retry the failed instance from where it failed: the failed steps run again and the work before them is kept.'),
    },
    {
      label: 'Restart',
      testId: 'action-restart',
      enabled: ENDED.includes(status),
      action: () => ({
        title: 'Restart',
        description: 'Run the orchestration again from the start with the same input, as a new instance with a new id.',
        confirmLabel: 'Restart',
        run: async () => {
          const reply = await api<{ id: string }>(`${path}/restart`, { method: 'POST' });
          toast(`Restarted as ${reply.body.id}`);
          navigate(['instances', reply.body.id]);
        },
      }),
    },
    {
      label: 'Purge',
      testId: 'action-purge',
      danger: true,
      enabled: ENDED.includes(status),
      action: () => ({
        title: 'Purge',
        description: 'Delete this instance and its history for good.',
        confirmLabel: 'Purge',
        danger: true,
        run: async () => {
          purging.current = true;
          try {
            await api(path, { method: 'DELETE' });
          } catch (failure) {
            purging.current = false;
            throw failure;
          }
          toast(`Purged ${instanceId}`);
          navigate(['instances']);
        },
      }),
    },
  ];

  return (
    <div class="view" data-view="instance">
      <div class="breadcrumbs">
        <a href={href(['instances'])}>Instances</a> / <span class="mono">{instanceId}</span>
      </div>
      <PageHeader
        title={<span class="mono title-id">{instanceId}</span>}
        subtitle={
          details ? (
            <>
              Orchestrator <strong>{details.name}</strong>
            </>
          ) : undefined
        }
        right={
          <>
            {details ? <StatusBadge status={details.runtimeStatus} /> : null}
            <LiveBadge state={live} />
          </>
        }
      />
      <ErrorBox message={error} />
      {missing ? <Empty>No instance with this id exists (it may have been purged).</Empty> : null}
      {details ? (
        <>
          <div class="toolbar" data-testid="instance-actions">
            {actions.map((item) => (
              <button
                key={item.label}
                class={`btn ${item.danger ? 'btn-danger-outline' : ''}`}
                disabled={!item.enabled}
                onClick={() => setAction(item.action())}
                data-testid={item.testId}
              >
                {item.label}
              </button>
            ))}
          </div>
          <div class="grid-2">
            <Card title="Details">
              <dl class="props">
                <dt>Status</dt>
                <dd data-testid="instance-status">{details.runtimeStatus}</dd>
                <dt>Orchestrator</dt>
                <dd>{details.name}</dd>
                <dt>Created</dt>
                <dd>{dateTime(details.createdTime)}</dd>
                <dt>Last updated</dt>
                <dd>{dateTime(details.lastUpdatedTime)}</dd>
                <dt>Run time</dt>
                <dd>{duration(new Date(details.lastUpdatedTime).getTime() - new Date(details.createdTime).getTime())}</dd>
              </dl>
            </Card>
            <Card title="Custom status">
              <JsonView value={details.customStatus ?? undefined} empty="not set" />
            </Card>
            <Card title="Input">
              <JsonView value={details.input ?? undefined} empty="no input" />
            </Card>
            <Card title={details.runtimeStatus === 'Terminated' ? 'Output (reason)' : 'Output'}>
              <div data-testid="instance-output">
                <JsonView
                  value={details.runtimeStatus === 'Failed' ? undefined : (details.output ?? undefined)}
                  empty={RUNNING.includes(details.runtimeStatus) ? 'not yet' : 'no output'}
                />
              </div>
            </Card>
          </div>
          {details.failureDetails ? (
            <Card title="Failure" class="card-danger">
              <dl class="props">
                <dt>Error</dt>
                <dd class="mono">{details.failureDetails.name}</dd>
                <dt>Message</dt>
                <dd>{details.failureDetails.message}</dd>
                {details.failureDetails.code ? (
                  <>
                    <dt>Code</dt>
                    <dd class="mono">{details.failureDetails.code}</dd>
                  </>
                ) : null}
              </dl>
            </Card>
          ) : null}
          <Card title="History">
            <Timeline steps={buildTimeline(details.historyEvents ?? [])} />
          </Card>
        </>
      ) : null}
      <ConfirmDialog action={action} onClose={() => setAction(undefined)} />
    </div>
  );
}

const KIND_LABEL: Readonly<Record<Step['kind'], string>> = {
  activity: 'Activity',
  timer: 'Timer',
  'sub-orchestration': 'Sub-orch.',
  'entity-call': 'Entity',
  'entity-signal': 'Entity',
  lock: 'Lock',
  'event-sent': 'Event',
  event: 'Event',
  lifecycle: 'Instance',
  outcome: 'Outcome',
};

function Timeline({ steps }: { steps: readonly Step[] }) {
  if (steps.length === 0) return <Empty>No history yet.</Empty>;
  const times = steps.flatMap((step) => [step.start, step.end]).filter((t): t is number => t !== undefined);
  const first = Math.min(...times);
  const now = Date.now();
  const last = Math.max(...times, ...steps.filter((s) => s.state === 'waiting').map(() => now));
  const span = Math.max(last - first, 1);
  return (
    <ol class="timeline" data-testid="timeline">
      {steps.map((step, index) => {
        const start = step.start ?? first;
        const end = step.end ?? (step.state === 'waiting' ? now : start);
        const left = ((start - first) / span) * 100;
        const width = Math.max(((end - start) / span) * 100, 0.6);
        const payload = step.error ?? step.result ?? step.input;
        return (
          <li class={`tl-row tl-k-${step.kind} tl-s-${step.state}`} key={index} data-kind={step.kind} data-state={step.state}>
            <span class="tl-offset mono">+{duration(start - first)}</span>
            <span class="tl-kind">{KIND_LABEL[step.kind]}</span>
            <div class="tl-main">
              <div class="tl-title">
                {step.title}
                {step.attempt ? <span class="tl-attempt">attempt {step.attempt}</span> : null}
              </div>
              {step.detail ? <div class="tl-detail">{step.detail}</div> : null}
              {payload !== undefined ? (
                <details class="tl-payload">
                  <summary>{step.error ? 'error' : step.result !== undefined ? 'result' : 'input'}</summary>
                  <JsonView value={payload} />
                </details>
              ) : null}
            </div>
            <span class="tl-outcome">
              {step.state === 'waiting'
                ? 'waiting…'
                : step.state === 'failed'
                  ? `failed after ${duration(end - start)}`
                  : step.state === 'done'
                    ? duration(end - start)
                    : ''}
            </span>
            <div class="tl-bar">
              <span style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }} />
            </div>
          </li>
        );
      })}
    </ol>
  );
}
