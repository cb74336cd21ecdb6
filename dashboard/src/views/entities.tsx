import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText, segment } from '../api';
import { Card, Empty, ErrorBox, PageHeader, Pager } from '../components';
import { ago, dateTime } from '../format';
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
        {selected ? <EntityKeys name={selected} route={route} /> : <Card><Empty>Choose a name on the left.</Empty></Card>}
      </div>
    </div>
  );
}

const PAGE_SIZE = '50';

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
      actions={
        <button class="btn btn-small" onClick={() => void load()} data-testid="refresh-keys">
          Refresh
        </button>
      }
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
          <input type="search" placeholder="Exact key, then Enter" value={openKey} onInput={(e) => setOpenKey((e.target as HTMLInputElement).value)} data-testid="open-key" />
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
              <tr key={item.entityId.key} data-entity-key={item.entityId.key}>
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
