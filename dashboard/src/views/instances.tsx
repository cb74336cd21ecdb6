import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { Card, Empty, ErrorBox, LiveBadge, PageHeader, Pager, STATUSES, StatusBadge } from '../components';
import { ago, dateTime } from '../format';
import { useLive } from '../live';
import { currentRoute, href, navigate, type Route } from '../router';

/** One row: the list fields of an instance (`GET /instances`, `changes` events). */
export interface InstanceRow {
  readonly instanceId: string;
  readonly name: string;
  readonly runtimeStatus: string;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
}

interface Change extends Partial<InstanceRow> {
  readonly instanceId: string;
  readonly deleted?: true;
}

interface Filters {
  readonly status: string;
  readonly name: string;
  readonly prefix: string;
  readonly size: string;
}

const PAGE_SIZES = ['25', '50', '100'];
/** Changes that may alter the page are gathered this long before it is read again. */
const REFRESH_DELAY_MS = 400;

export function InstancesView({ route }: { route: Route }) {
  const filters: Filters = {
    status: route.query.get('status') ?? '',
    name: route.query.get('name') ?? '',
    prefix: route.query.get('prefix') ?? '',
    size: PAGE_SIZES.includes(route.query.get('size') ?? '') ? route.query.get('size')! : '25',
  };
  const filterKey = JSON.stringify(filters);
  // tokens[i] starts page i; tokens[0] is the first page.
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [rows, setRows] = useState<InstanceRow[]>([]);
  const [nextToken, setNextToken] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const [flash, setFlash] = useState<Record<string, number>>({});
  const refreshTimer = useRef<number | undefined>(undefined);
  const request = useRef(0);

  const load = useCallback(async () => {
    const id = ++request.current;
    setLoading(true);
    try {
      const token = tokens[page];
      const reply = await api<InstanceRow[]>('/instances', {
        query: { runtimeStatus: filters.status, name: filters.name, instanceIdPrefix: filters.prefix, top: filters.size, showInput: 'false' },
        headers: token === undefined ? {} : { 'x-ms-continuation-token': token },
      });
      if (id !== request.current) return;
      setRows(reply.body);
      setNextToken(reply.headers.get('x-ms-continuation-token') ?? undefined);
      setError(undefined);
    } catch (failure) {
      if (id === request.current) setError(errorText(failure));
    } finally {
      if (id === request.current) setLoading(false);
    }
  }, [filterKey, page, tokens]);

  useEffect(() => {
    setTokens([undefined]);
    setPage(0);
  }, [filterKey]);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => () => window.clearTimeout(refreshTimer.current), []);

  const scheduleRefresh = (): void => {
    window.clearTimeout(refreshTimer.current);
    refreshTimer.current = window.setTimeout(() => void load(), REFRESH_DELAY_MS);
  };
  const matches = (change: Change): boolean =>
    (filters.status === '' || change.runtimeStatus === filters.status) &&
    (filters.name === '' || change.name === filters.name) &&
    (filters.prefix === '' || change.instanceId.startsWith(filters.prefix));
  /** Whether an instance not on the page would be listed on it (pages are in instance id order). */
  const belongsHere = (id: string): boolean => {
    if (rows.length === 0) return page === 0;
    return (page === 0 || id >= rows[0]!.instanceId) && (nextToken === undefined || id <= rows.at(-1)!.instanceId);
  };

  const live = useLive(
    '/streams/instances',
    {},
    {
      events: {
        changes: (changes: Change[]) => {
          let refresh = false;
          const updated: Record<string, Change> = {};
          for (const change of changes) {
            if (rows.some((row) => row.instanceId === change.instanceId)) {
              updated[change.instanceId] = change;
              if (change.deleted || !matches(change)) refresh = true;
            } else if (!change.deleted && matches(change) && belongsHere(change.instanceId)) {
              refresh = true;
            }
          }
          if (Object.keys(updated).length > 0) {
            setRows((current) =>
              current.map((row) => {
                const change = updated[row.instanceId];
                return change && !change.deleted ? { ...row, ...(change as InstanceRow) } : row;
              }),
            );
            const now = Date.now();
            setFlash((current) => ({ ...current, ...Object.fromEntries(Object.keys(updated).map((id) => [id, now])) }));
          }
          if (refresh) scheduleRefresh();
        },
        reload: () => scheduleRefresh(),
      },
      reconnected: () => void load(),
    },
  );

  // Read the filters from the location at the time of the change: two inputs may change one after the other before a render.
  const setFilter = (name: keyof Filters, value: string): void => {
    const query = currentRoute().query;
    navigate(
      ['instances'],
      { status: query.get('status') ?? '', name: query.get('name') ?? '', prefix: query.get('prefix') ?? '', size: query.get('size') ?? '', [name]: value },
      true,
    );
  };

  return (
    <div class="view" data-view="instances">
      <PageHeader
        title="Instances"
        subtitle="Orchestration instances in instance id order. New instances and status changes appear as they are committed."
        right={<LiveBadge state={live} />}
      />
      <Card>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label class="field field-inline">
            <span>Status</span>
            <select value={filters.status} onChange={(e) => setFilter('status', (e.target as HTMLSelectElement).value)} data-testid="filter-status">
              <option value="">All statuses</option>
              {STATUSES.map((status) => (
                <option value={status} key={status}>
                  {status}
                </option>
              ))}
            </select>
          </label>
          <label class="field field-inline">
            <span>Orchestrator</span>
            <DebouncedInput value={filters.name} placeholder="Exact name" onChange={(value) => setFilter('name', value)} testId="filter-name" />
          </label>
          <label class="field field-inline field-grow">
            <span>Instance id starts with</span>
            <DebouncedInput value={filters.prefix} placeholder="e.g. order-" onChange={(value) => setFilter('prefix', value)} testId="filter-prefix" />
          </label>
          <label class="field field-inline">
            <span>Per page</span>
            <select value={filters.size} onChange={(e) => setFilter('size', (e.target as HTMLSelectElement).value)}>
              {PAGE_SIZES.map((size) => (
                <option value={size} key={size}>
                  {size}
                </option>
              ))}
            </select>
          </label>
        </form>
        <ErrorBox message={error} />
        <div class="table-wrap">
          <table class="table" data-testid="instances-table">
            <thead>
              <tr>
                <th>Instance ID</th>
                <th>Orchestrator</th>
                <th>Status</th>
                <th>Created</th>
                <th>Last updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr
                  key={row.instanceId}
                  data-instance-id={row.instanceId}
                  class={flash[row.instanceId] && Date.now() - flash[row.instanceId]! < 1500 ? 'row-flash' : ''}
                >
                  <td class="mono">
                    <a href={href(['instances', row.instanceId])}>{row.instanceId}</a>
                  </td>
                  <td>{row.name}</td>
                  <td>
                    <StatusBadge status={row.runtimeStatus} />
                  </td>
                  <td title={row.createdTime}>{dateTime(row.createdTime)}</td>
                  <td title={dateTime(row.lastUpdatedTime)}>{ago(row.lastUpdatedTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!loading && rows.length === 0 && !error ? <Empty>No instances match these filters.</Empty> : null}
        </div>
        <Pager
          page={page}
          hasNext={nextToken !== undefined}
          shown={rows.length}
          loading={loading}
          onPrevious={() => setPage(Math.max(0, page - 1))}
          onNext={() => {
            setTokens([...tokens.slice(0, page + 1), nextToken]);
            setPage(page + 1);
          }}
        />
      </Card>
    </div>
  );
}

/** A text input that reports its value 300 ms after typing stops. */
export function DebouncedInput({
  value,
  placeholder,
  onChange,
  testId,
}: {
  value: string;
  placeholder?: string;
  onChange: (value: string) => void;
  testId?: string;
}) {
  const [text, setText] = useState(value);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => setText(value), [value]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <input
      type="search"
      value={text}
      placeholder={placeholder}
      data-testid={testId}
      onInput={(e) => {
        const next = (e.target as HTMLInputElement).value;
        setText(next);
        window.clearTimeout(timer.current);
        timer.current = window.setTimeout(() => onChange(next.trim()), 300);
      }}
    />
  );
}
