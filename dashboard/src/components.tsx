import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveState } from './live';

export const STATUSES = ['Pending', 'Running', 'Suspended', 'Completed', 'Failed', 'Terminated'] as const;

/** A runtime status as a coloured badge. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge status-${status.toLowerCase()}`} data-status={status}>
      <span class="dot" />
      {status}
    </span>
  );
}

/** Whether the view's event stream is connected. */
export function LiveBadge({ state }: { state: LiveState }) {
  const label = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting' : 'Reconnecting';
  return (
    <span class={`live live-${state}`} data-live={state} title={state === 'live' ? 'Changes appear as they are committed' : 'Waiting for the server'}>
      <span class="pulse" />
      {label}
    </span>
  );
}

/**
 * A JSON value, formatted and coloured. Every part is a text node: whatever the value
 * holds (markup included) shows as text.
 */
export function JsonView({ value, empty = 'none' }: { value: unknown; empty?: string }) {
  if (value === undefined || value === null) return <pre class="json json-empty">{value === null ? 'null' : empty}</pre>;
  return <pre class="json">{render(value, 0)}</pre>;
}

function render(value: unknown, depth: number): ComponentChildren {
  const indent = '  '.repeat(depth);
  const inner = '  '.repeat(depth + 1);
  if (value === null) return <span class="j-null">null</span>;
  if (typeof value === 'string') return <span class="j-str">{JSON.stringify(value)}</span>;
  if (typeof value === 'number') return <span class="j-num">{String(value)}</span>;
  if (typeof value === 'boolean') return <span class="j-bool">{String(value)}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return (
      <>
        {'[\n'}
        {value.map((item, i) => (
          <>
            {inner}
            {render(item, depth + 1)}
            {i < value.length - 1 ? ',\n' : '\n'}
          </>
        ))}
        {indent}]
      </>
    );
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return (
      <>
        {'{\n'}
        {entries.map(([key, item], i) => (
          <>
            {inner}
            <span class="j-key">{JSON.stringify(key)}</span>
            {': '}
            {render(item, depth + 1)}
            {i < entries.length - 1 ? ',\n' : '\n'}
          </>
        ))}
        {indent}
        {'}'}
      </>
    );
  }
  return String(value);
}

/** A white panel with a title. */
export function Card({
  title,
  actions,
  children,
  class: extra = '',
}: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    <section class={`card ${extra}`}>
      {title !== undefined || actions !== undefined ? (
        <header class="card-head">
          <h2>{title}</h2>
          <div class="card-actions">{actions}</div>
        </header>
      ) : null}
      <div class="card-body">{children}</div>
    </section>
  );
}

export function PageHeader({ title, subtitle, right }: { title: ComponentChildren; subtitle?: ComponentChildren; right?: ComponentChildren }) {
  return (
    <div class="page-head">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p class="subtitle">{subtitle}</p> : null}
      </div>
      <div class="page-head-right">{right}</div>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function ErrorBox({ message }: { message: string | undefined }) {
  return message ? (
    <div class="error-box" role="alert">
      {message}
    </div>
  ) : null;
}

/** Previous / next over server pages (continuation tokens). */
export function Pager({
  page,
  hasNext,
  onPrevious,
  onNext,
  shown,
  loading,
}: {
  page: number;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  shown: number;
  loading: boolean;
}) {
  return (
    <div class="pager">
      <span class="muted">
        Page {page + 1} · {shown} shown{loading ? ' · loading…' : ''}
      </span>
      <div class="pager-buttons">
        <button class="btn" disabled={page === 0} onClick={onPrevious} data-testid="previous-page">
          ← Previous
        </button>
        <button class="btn" disabled={!hasNext} onClick={onNext} data-testid="next-page">
          Next →
        </button>
      </div>
    </div>
  );
}

/** The fields a confirmation asks for. */
export interface DialogField {
  readonly name: string;
  readonly label: string;
  readonly kind: 'text' | 'json';
  readonly placeholder?: string;
  readonly required?: boolean;
  readonly initial?: string;
}

/** An action waiting for confirmation. */
export interface PendingAction {
  readonly title: string;
  readonly description: ComponentChildren;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  readonly fields?: readonly DialogField[];
  /** Runs on confirm with the fields' text; a rejection is shown in the dialog. */
  readonly run: (values: Record<string, string>) => Promise<void>;
}

/** A modal confirmation (the native `<dialog>`), with optional fields. */
export function ConfirmDialog({ action, onClose }: { action: PendingAction | undefined; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (action) {
      setValues(Object.fromEntries((action.fields ?? []).map((field) => [field.name, field.initial ?? ''])));
      setError(undefined);
      setBusy(false);
      if (!dialog.open) dialog.showModal();
    } else if (dialog.open) dialog.close();
  }, [action]);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (!action) return;
    for (const field of action.fields ?? []) {
      if (field.required && (values[field.name] ?? '').trim() === '') return setError(`${field.label} is required.`);
    }
    setBusy(true);
    try {
      await action.run(values);
      onClose();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="dialog" onClose={onClose} data-testid="confirm-dialog">
      {action ? (
        <form method="dialog" onSubmit={(event) => void submit(event)}>
          <h3>{action.title}</h3>
          <div class="dialog-text">{action.description}</div>
          {(action.fields ?? []).map((field) => (
            <label class="field" key={field.name}>
              <span>{field.label}</span>
              {field.kind === 'json' ? (
                <textarea
                  name={field.name}
                  rows={4}
                  spellcheck={false}
                  placeholder={field.placeholder}
                  value={values[field.name] ?? ''}
                  onInput={(e) => setValues({ ...values, [field.name]: (e.target as HTMLTextAreaElement).value })}
                />
              ) : (
                <input
                  name={field.name}
                  type="text"
                  placeholder={field.placeholder}
                  value={values[field.name] ?? ''}
                  onInput={(e) => setValues({ ...values, [field.name]: (e.target as HTMLInputElement).value })}
                />
              )}
            </label>
          ))}
          <ErrorBox message={error} />
          <div class="dialog-buttons">
            <button type="button" class="btn" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button type="submit" class={`btn ${action.danger ? 'btn-danger' : 'btn-primary'}`} disabled={busy} data-testid="confirm">
              {busy ? 'Working…' : action.confirmLabel}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}

/** A short message at the bottom of the screen. */
export interface Toast {
  readonly id: number;
  readonly text: string;
  readonly kind: 'ok' | 'error';
}

let toastListener: ((toast: Toast) => void) | undefined;
let toastId = 0;
export function toast(text: string, kind: Toast['kind'] = 'ok'): void {
  toastListener?.({ id: ++toastId, text, kind });
}

export function Toasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  useEffect(() => {
    toastListener = (next) => {
      setToasts((all) => [...all, next]);
      window.setTimeout(() => setToasts((all) => all.filter((t) => t.id !== next.id)), 4000);
    };
    return () => {
      toastListener = undefined;
    };
  }, []);
  return (
    <div class="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} role="status">
          {t.text}
        </div>
      ))}
    </div>
  );
}
