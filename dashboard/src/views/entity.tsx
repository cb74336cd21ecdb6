import { useEffect, useState } from 'preact/hooks';
import { api, errorText, segment } from '../api';
import { Card, ErrorBox, JsonView, LiveBadge, PageHeader, toast } from '../components';
import { dateTime, parseJsonInput } from '../format';
import { useLive } from '../live';
import { href } from '../router';

type EntityState =
  { readonly kind: 'loading' } | { readonly kind: 'none' } | { readonly kind: 'deleted' } | { readonly kind: 'state'; readonly value: unknown };

/** One entity: its committed state, live, and a form to signal it. */
export function EntityView({ name, entityKey }: { name: string; entityKey: string }) {
  const [state, setState] = useState<EntityState>({ kind: 'loading' });
  const [updatedAt, setUpdatedAt] = useState<number>();
  const [updates, setUpdates] = useState(0);
  const [operation, setOperation] = useState('');
  const [input, setInput] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string>();
  const path = `/entities/${segment(name)}/${segment(entityKey)}`;

  useEffect(() => {
    setState({ kind: 'loading' });
    setUpdates(0);
    setUpdatedAt(undefined);
  }, [path]);
  // The stream starts with the current state; an entity without state sends nothing until
  // its first commit, so a stream that stays quiet after it opened means "no state yet".
  useEffect(() => {
    const timer = window.setTimeout(() => setState((current) => (current.kind === 'loading' ? { kind: 'none' } : current)), 1200);
    return () => window.clearTimeout(timer);
  }, [path]);
  const live = useLive(
    `${path}/stream`,
    {},
    {
      events: {
        state: (value: unknown) => {
          setState({ kind: 'state', value });
          setUpdatedAt(Date.now());
          setUpdates((n) => n + 1);
        },
        deleted: () => {
          setState({ kind: 'deleted' });
          setUpdatedAt(Date.now());
        },
      },
    },
  );

  const send = async (event: Event): Promise<void> => {
    event.preventDefault();
    const op = operation.trim();
    if (op === '') return setError('Name the operation to signal.');
    setSending(true);
    try {
      const body = parseJsonInput(input, 'The input');
      await api(path, { method: 'POST', query: { op }, ...(body === undefined ? {} : { body }) });
      setError(undefined);
      toast(`Signal '${op}' sent to ${name}/${entityKey}`);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setSending(false);
    }
  };

  return (
    <div class="view" data-view="entity">
      <div class="breadcrumbs">
        <a href={href(['entities'])}>Entities</a> / <a href={href(['entities', name])}>{name}</a> / <span class="mono">{entityKey}</span>
      </div>
      <PageHeader
        title={<span class="mono title-id">{entityKey}</span>}
        subtitle={
          <>
            Entity <strong>{name}</strong>
          </>
        }
        right={<LiveBadge state={live} />}
      />
      <div class="grid-entity">
        <Card
          title="State"
          actions={
            updatedAt ? (
              <span class="muted small">
                updated {dateTime(updatedAt)}
                {updates > 1 ? ` · ${updates} commits seen` : ''}
              </span>
            ) : null
          }
        >
          <div data-testid="entity-state" key={updates} class={updates > 1 ? 'flash' : ''}>
            {state.kind === 'loading' ? (
              <p class="muted">Loading…</p>
            ) : state.kind === 'none' ? (
              <p class="muted">This entity has no state yet: it appears once an operation on it is committed.</p>
            ) : state.kind === 'deleted' ? (
              <p class="muted">Deleted.</p>
            ) : (
              <JsonView value={state.value} />
            )}
          </div>
        </Card>
        <Card title="Send a signal">
          <form class="stack" onSubmit={(event) => void send(event)} data-testid="signal-form">
            <label class="field">
              <span>Operation</span>
              <input
                type="text"
                value={operation}
                placeholder="add"
                onInput={(e) => setOperation((e.target as HTMLInputElement).value)}
                data-testid="signal-operation"
              />
            </label>
            <label class="field">
              <span>Input (JSON, optional)</span>
              <textarea
                rows={5}
                spellcheck={false}
                value={input}
                placeholder="5"
                onInput={(e) => setInput((e.target as HTMLTextAreaElement).value)}
                data-testid="signal-input"
              />
            </label>
            <ErrorBox message={error} />
            <button type="submit" class="btn btn-primary" disabled={sending} data-testid="signal-send">
              {sending ? 'Sending…' : 'Send signal'}
            </button>
            <p class="muted small">
              A signal is one-way: it is stored durably, then applied in order with the entity's other operations. The state above changes once it is committed.
            </p>
          </form>
        </Card>
      </div>
    </div>
  );
}
