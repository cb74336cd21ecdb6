import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText, segment } from '../api';
import { Card, Empty, ErrorBox, LiveBadge, PageHeader, Pager } from '../components';
import { ago, dateTime } from '../format';
import { useLive } from '../live';
import { currentRoute, href, navigate, type Route } from '../router';

interface EntityItem {
  readonly entityId: { readonly name: string; readonly key: string };
  readonly lastOperationTime: string;
  /** The orchestration instance holding the entity's lock, if any. */
  readonly lockedBy?: string;
  /** Messages queued behind that lock. */
  readonly backlogQueueSize?: number;
}

/** The entity names, then the keys of the chosen one. */
export function EntitiesView({ route }: { route: Route }) {
  const selected = route.segments[1];
  const [names, setNames] = useState<string[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api<string[]>('/entity-names').then(
      (reply) => setNames(reply.body),
      (failure) => setError(errorText(failure)),
    );
  }, []);
  return (
    <div class="view" data-view="entities">
      <PageHeader title="Entities" subtitle="Pick an entity name to list its keys; open a key to watch its state live." />
      <ErrorBox message={error} />
      <div class="split">
        <Card title="Names" class="names-card">
          {names === undefined ? (
            <p class="muted">Loading…</p>
          ) : names.length === 0 ? (
            <Empty>No entities yet.</Empty>
          ) : (
            <nav class="name-list" data-testid="entity-names">
              {names.map((name) => (
                <a key={name} href={href(['entities', name])} class={name === selected ? 'active' : ''}>
                  {name}
                </a>
              ))}
            </nav>
          )}
        </Card>
        {selected ? (
          <EntityKeys name={selected} route={route} />
        ) : (
          <Card>
            <Empty>Choose a name on the left.</Empty>
          </Card>
        )}
      </div>
    </div>
  );
}

/** A key's change as `GET /streams/entities/{name}` sends it. */
interface KeyChange {
  readonly key: string;
  readonly lastOperationTime?: string;
  readonly deleted?: true;
}

const PAGE_SIZE = '50';
/** Changes that may alter the page are gathered this long before it is read again. */
const REFRESH_DELAY_MS = 400;

/** Converts a `datetime-local` value to ISO 8601 (the browser's time zone). */
function isoOf(local: string): string | undefined {
  if (local === '') return undefined;
  const date = new Date(local);
  return Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}

function EntityKeys({ name, route }: { name: string; route: Route }) {
  const from = route.query.get('from') ?? '';
  const to = route.query.get('to') ?? '';
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [items, setItems] = useState<EntityItem[]>([]);
  const [nextToken, setNextToken] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const [openKey, setOpenKey] = useState('');
  const [flash, setFlash] = useState<Record<string, number>>({});
  const refreshTimer = useRef<number | undefined>(undefined);
  const request = useRef(0);
  const filterKey = `${name}|${from}|${to}`;

  const load = useCallback(async () => {
    const id = ++request.current;
    setLoading(true);
    try {
      const token = tokens[page];
      const reply = await api<EntityItem[]>(`/entities/${segment(name)}`, {
        query: { top: PAGE_SIZE, lastOperationTimeFrom: isoOf(from), lastOperationTimeTo: isoOf(to) },
        headers: token === undefined ? {} : { 'x-ms-continuation-token': token },
      });
      if (id !== request.current) return;
      setItems(reply.body);
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
  const fromIso = isoOf(from);
  const toIso = isoOf(to);
  const inWindow = (time: string): boolean => {
    const at = Date.parse(time);
    return (fromIso === undefined || at >= Date.parse(fromIso)) && (toIso === undefined || at <= Date.parse(toIso));
  };
  /** Whether a key not on the page would be listed on it (pages are in key order). */
  const belongsHere = (key: string): boolean => {
    if (items.length === 0) return page === 0;
    return (page === 0 || key >= items[0]!.entityId.key) && (nextToken === undefined || key <= items.at(-1)!.entityId.key);
  };
  // The page holds one page of keys; the stream says which keys changed, and the page is read
  // again only when a change adds, moves or removes one of its rows.
  const live = useLive(
    `/streams/entities/${segment(name)}`,
    {},
    {
      events: {
        changes: (changes: KeyChange[]) => {
          let refresh = false;
          const updated: Record<string, string> = {};
          for (const change of changes) {
            const listed = items.some((item) => item.entityId.key === change.key);
            const fits = change.lastOperationTime !== undefined && inWindow(change.lastOperationTime);
            if (listed) {
              if (change.deleted || !fits) refresh = true;
              else updated[change.key] = change.lastOperationTime!;
            } else if (!change.deleted && fits && belongsHere(change.key)) {
              refresh = true;
            }
          }
          if (Object.keys(updated).length > 0) {
            setItems((current) =>
              current.map((item) => (updated[item.entityId.key] === undefined ? item : { ...item, lastOperationTime: updated[item.entityId.key]! })),
            );
            const now = Date.now();
            setFlash((current) => ({ ...current, ...Object.fromEntries(Object.keys(updated).map((key) => [key, now])) }));
          }
          if (refresh) scheduleRefresh();
        },
        reload: () => scheduleRefresh(),
      },
      reconnected: () => void load(),
    },
  );

  const setFilter = (field: 'from' | 'to', value: string): void => {
    const query = currentRoute().query;
    navigate(['entities', name], { from: query.get('from') ?? '', to: query.get('to') ?? '', [field]: value }, true);
  };

  return (
    <Card
      title={
        <>
          Keys of <span class="mono">{name}</span>
        </>
      }
      actions={<LiveBadge state={live} />}
    >
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          if (openKey.trim() !== '') navigate(['entities', name, openKey.trim()]);
        }}
      >
        <label class="field field-inline">
          <span>Last operation from</span>
          <input type="datetime-local" step="1" value={from} onChange={(e) => setFilter('from', (e.target as HTMLInputElement).value)} />
        </label>
        <label class="field field-inline">
          <span>to</span>
          <input type="datetime-local" step="1" value={to} onChange={(e) => setFilter('to', (e.target as HTMLInputElement).value)} />
        </label>
        <label class="field field-inline field-grow">
          <span>Open a key</span>
          <input
            type="search"
            placeholder="Exact key, then Enter"
            value={openKey}
            onInput={(e) => setOpenKey((e.target as HTMLInputElement).value)}
            data-testid="open-key"
          />
        </label>
      </form>
      <ErrorBox message={error} />
      <div class="table-wrap">
        <table class="table" data-testid="entity-keys">
          <thead>
            <tr>
              <th>Key</th>
              <th>Last operation</th>
              <th />
              <th>Locked by</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr
                key={item.entityId.key}
                data-entity-key={item.entityId.key}
                data-last-operation={item.lastOperationTime}
                class={flash[item.entityId.key] && Date.now() - flash[item.entityId.key]! < 1500 ? 'row-flash' : ''}
              >
                <td class="mono">
                  <a href={href(['entities', name, item.entityId.key])}>{item.entityId.key}</a>
                </td>
                <td title={dateTime(item.lastOperationTime)}>{dateTime(item.lastOperationTime)}</td>
                <td class="muted right">{ago(item.lastOperationTime)}</td>
                <td class="mono" data-testid="locked-by">
                  {item.lockedBy === undefined ? null : (
                    <>
                      <a href={href(['instances', item.lockedBy])}>{item.lockedBy}</a>
                      <span class="muted"> · {item.backlogQueueSize ?? 0} queued</span>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && items.length === 0 && !error ? <Empty>No entities of this name match.</Empty> : null}
      </div>
      <Pager
        page={page}
        hasNext={nextToken !== undefined}
        shown={items.length}
        loading={loading}
        onPrevious={() => setPage(Math.max(0, page - 1))}
        onNext={() => {
          setTokens([...tokens.slice(0, page + 1), nextToken]);
          setPage(page + 1);
        }}
      />
    </Card>
  );
}
