import { useEffect, useState } from 'preact/hooks';
import { forgetKey, onUnauthorized, storedKey } from './api';
import { Toasts } from './components';
import { config } from './config';
import { href, useRoute, type Route } from './router';
import { EntitiesView } from './views/entities';
import { EntityView } from './views/entity';
import { InstanceView } from './views/instance';
import { InstancesView } from './views/instances';
import { KeyPrompt, Logo } from './views/key-prompt';
import { OverviewView } from './views/overview';

const NAV = [
  { id: 'overview', label: 'Overview' },
  { id: 'instances', label: 'Instances' },
  { id: 'entities', label: 'Entities' },
] as const;

export function App() {
  const route = useRoute();
  const [unlocked, setUnlocked] = useState(() => !config.keysRequired || storedKey() !== undefined);
  const [reason, setReason] = useState<string>();
  useEffect(
    () =>
      onUnauthorized(() => {
        forgetKey();
        setReason('The server refused the key. Enter a valid one.');
        setUnlocked(false);
      }),
    [],
  );
  // Without a key nothing is fetched or shown: only the prompt.
  if (!unlocked) {
    return (
      <KeyPrompt
        reason={reason}
        onAccepted={() => {
          setReason(undefined);
          setUnlocked(true);
        }}
      />
    );
  }
  const section = route.segments[0] ?? 'overview';
  return (
    <div class="layout">
      <aside class="sidebar">
        <a class="brand" href={href(['overview'])}>
          <Logo />
          <span>jetstate</span>
        </a>
        <nav class="nav">
          {NAV.map((item) => (
            <a key={item.id} href={href([item.id])} class={section === item.id ? 'active' : ''} data-nav={item.id}>
              <NavIcon id={item.id} />
              {item.label}
            </a>
          ))}
        </nav>
        <div class="sidebar-foot">
          {config.keysRequired ? (
            <button
              class="link-button"
              onClick={() => {
                forgetKey();
                setUnlocked(false);
              }}
              data-testid="sign-out"
            >
              Forget key
            </button>
          ) : null}
          <span class="muted small">API: {config.apiBasePath}</span>
        </div>
      </aside>
      <main class="main">
        <View route={route} section={section} />
      </main>
      <Toasts />
    </div>
  );
}

function View({ route, section }: { route: Route; section: string }) {
  const [, id, key] = route.segments;
  if (section === 'instances' && id !== undefined) return <InstanceView key={id} instanceId={id} />;
  if (section === 'instances') return <InstancesView route={route} />;
  if (section === 'entities' && id !== undefined && key !== undefined) return <EntityView key={`${id}/${key}`} name={id} entityKey={key} />;
  if (section === 'entities') return <EntitiesView route={route} />;
  return <OverviewView />;
}

function NavIcon({ id }: { id: string }) {
  const paths: Record<string, string> = {
    overview: 'M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z',
    instances: 'M4 6h16v2H4zm0 5h16v2H4zm0 5h10v2H4z',
    entities: 'M12 2 3 7v10l9 5 9-5V7zm0 2.3L18.7 8 12 11.7 5.3 8zM5 9.7l6 3.3v6.6l-6-3.3zm8 9.9V13l6-3.3v6.6z',
  };
  return (
    <svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d={paths[id] ?? ''} />
    </svg>
  );
}
