import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { Card, ErrorBox, LiveBadge, PageHeader, STATUSES } from '../components';
import { count } from '../format';
import { useLive } from '../live';
import { href } from '../router';

/** The body of `GET /stats` and of the `stats` events. */
interface Stats {
  readonly time: string;
  readonly instances: Record<string, number> & { total: number };
  readonly operationsPerSecond: number;
  readonly applied: number;
  readonly failed: number;
  readonly backlog: number;
  readonly scheduled: number;
  readonly deadLettered: number;
  readonly partitions: readonly number[];
  readonly haltedPartitions: readonly number[];
}

/** Seconds of operations per second kept for the chart. */
const HISTORY = 60;

export function OverviewView() {
  const [stats, setStats] = useState<Stats>();
  const [rates, setRates] = useState<number[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    api<Stats>('/stats').then(
      (reply) => setStats((current) => current ?? reply.body),
      (failure) => setError(errorText(failure)),
    );
  }, []);
  const live = useLive(
    '/streams/stats',
    {},
    {
      events: {
        stats: (next: Stats) => {
          setError(undefined);
          setStats(next);
          setRates((all) => [...all, next.operationsPerSecond].slice(-HISTORY));
        },
      },
    },
  );
  return (
    <div class="view" data-view="overview">
      <PageHeader
        title="Overview"
        subtitle="Instances by status and what this process's engine is doing, updated every second."
        right={<LiveBadge state={live} />}
      />
      <ErrorBox message={error} />
      {stats ? (
        <>
          <div class="stat-grid" data-testid="status-counts">
            <a class="stat stat-total" href={href(['instances'])}>
              <span class="stat-label">Instances</span>
              <span class="stat-value" data-count="total">
                {count(stats.instances.total)}
              </span>
            </a>
            {STATUSES.map((status) => (
              <a class={`stat stat-${status.toLowerCase()}`} href={href(['instances'], { status })} key={status}>
                <span class="stat-label">{status}</span>
                <span class="stat-value" data-count={status}>
                  {count(stats.instances[status] ?? 0)}
                </span>
              </a>
            ))}
          </div>
          <div class="grid-2">
            <Card title="Operations per second">
              <div class="rate">
                <span class="rate-value" data-testid="ops-per-second">
                  {stats.operationsPerSecond.toLocaleString('en-US', { maximumFractionDigits: 1 })}
                </span>
                <span class="muted"> ops/s</span>
              </div>
              <Sparkline values={rates} />
              <dl class="facts">
                <div>
                  <dt>Applied</dt>
                  <dd>{count(stats.applied)}</dd>
                </div>
                <div>
                  <dt>Failed (rolled back)</dt>
                  <dd class={stats.failed > 0 ? 'text-danger' : ''}>{count(stats.failed)}</dd>
                </div>
              </dl>
            </Card>
            <Card title="Queues">
              <dl class="facts facts-large">
                <div>
                  <dt>Backlog</dt>
                  <dd data-testid="backlog">{count(stats.backlog)}</dd>
                </div>
                <div>
                  <dt>Scheduled</dt>
                  <dd>{count(stats.scheduled)}</dd>
                </div>
                <div>
                  <dt>Dead-lettered</dt>
                  <dd class={stats.deadLettered > 0 ? 'text-danger' : ''}>{count(stats.deadLettered)}</dd>
                </div>
              </dl>
              <p class="muted small">Backlog: messages delivered and waiting to be applied. Scheduled: signals and timers waiting for their time.</p>
            </Card>
          </div>
          <Card title={`Partitions owned by this process (${stats.partitions.length})`}>
            {stats.partitions.length === 0 ? (
              <p class="muted">None: this process is a client only; its workers own the partitions.</p>
            ) : (
              <div class="chips" data-testid="partitions">
                {stats.partitions.map((partition) => (
                  <span
                    class={`chip ${stats.haltedPartitions.includes(partition) ? 'chip-danger' : ''}`}
                    key={partition}
                    title={stats.haltedPartitions.includes(partition) ? 'halted' : 'processing'}
                  >
                    {partition}
                  </span>
                ))}
              </div>
            )}
            {stats.haltedPartitions.length > 0 ? <p class="text-danger">Halted: {stats.haltedPartitions.join(', ')}. The server log says why.</p> : null}
          </Card>
        </>
      ) : error ? null : (
        <p class="muted">Loading…</p>
      )}
    </div>
  );
}

function Sparkline({ values }: { values: readonly number[] }) {
  const width = 600;
  const height = 64;
  if (values.length < 2) return <div class="sparkline sparkline-empty">The chart fills in as seconds pass.</div>;
  const max = Math.max(1, ...values);
  const step = width / (HISTORY - 1);
  const offset = (HISTORY - values.length) * step;
  const points = values.map((value, i) => `${(offset + i * step).toFixed(1)},${(height - 4 - (value / max) * (height - 8)).toFixed(1)}`);
  const area = `${points[0]!.split(',')[0]},${height} ${points.join(' ')} ${points.at(-1)!.split(',')[0]},${height}`;
  return (
    <svg class="sparkline" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label="operations per second, last minute">
      <polygon points={area} class="spark-area" />
      <polyline points={points.join(' ')} class="spark-line" />
    </svg>
  );
}
