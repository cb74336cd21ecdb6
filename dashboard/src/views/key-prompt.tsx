import { useState } from 'preact/hooks';
import { ApiError, api, errorText, storeKey } from '../api';
import { ErrorBox } from '../components';

/** Asks for the API key, checks it against the server, and keeps it for this tab's session. */
export function KeyPrompt({ onAccepted, reason }: { onAccepted: () => void; reason?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(reason);
  const [checking, setChecking] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const candidate = key.trim();
    if (candidate === '') return setError('Enter a key.');
    setChecking(true);
    try {
      await api('/entity-names', { key: candidate });
      storeKey(candidate);
      onAccepted();
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 401 ? 'This key is not valid for this server.' : errorText(failure));
    } finally {
      setChecking(false);
    }
  };
  return (
    <div class="key-screen" data-view="key-prompt">
      <form class="key-card" onSubmit={(event) => void submit(event)}>
        <div class="brand brand-large">
          <Logo />
          <span>jetstate</span>
        </div>
        <h1>Access key</h1>
        <p class="muted">This server requires an API key. It is kept for this browser tab only, until you close it or sign out.</p>
        <label class="field">
          <span>Key</span>
          <input
            type="password"
            autoComplete="off"
            autoFocus
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
            data-testid="key-input"
          />
        </label>
        <ErrorBox message={error} />
        <button type="submit" class="btn btn-primary btn-block" disabled={checking} data-testid="key-submit">
          {checking ? 'Checking…' : 'Open dashboard'}
        </button>
      </form>
    </div>
  );
}

export function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="#4f46e5" />
      <path d="M9 19.5c0 2.6 2 4.5 4.8 4.5 3 0 4.9-2 4.9-5.4V8h-3.8v10.4c0 1.4-.5 2.2-1.3 2.2-.8 0-1.3-.6-1.4-1.7z" fill="#fff" />
      <circle cx="23" cy="21.5" r="2.5" fill="#a5b4fc" />
    </svg>
  );
}
