import { useEffect, useRef, useState } from 'preact/hooks';
import { api, apiUrl } from './api';

/** Whether a view's event stream is connected. */
export type LiveState = 'connecting' | 'live' | 'reconnecting';

const RETRY_MS = 1_500;

/** Handlers of one event stream: a function per event name, and what to do after a reconnect. */
export interface LiveHandlers {
  readonly events: Record<string, (data: any) => void>;
  /** Runs after the stream came back from a break (the server restarted, the network dropped): re-read what may have been missed. */
  readonly reconnected?: () => void;
}

/**
 * One server-sent event stream for the life of a view: opened when the view mounts (or
 * `path` changes), closed when it unmounts. After a break it reconnects by itself: while the
 * server is away it probes it every 1.5 s, then opens a new stream and calls `reconnected`.
 */
export function useLive(path: string | undefined, query: Record<string, string | undefined>, handlers: LiveHandlers): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const latest = useRef(handlers);
  latest.current = handlers;
  const queryKey = JSON.stringify(query);
  useEffect(() => {
    if (path === undefined) return;
    let source: EventSource | undefined;
    let timer: number | undefined;
    let closed = false;
    let broken = false;
    const open = (): void => {
      if (closed) return;
      source = new EventSource(apiUrl(path, JSON.parse(queryKey) as Record<string, string>, true));
      source.addEventListener('open', () => {
        setState('live');
        if (broken) {
          broken = false;
          latest.current.reconnected?.();
        }
      });
      for (const name of Object.keys(latest.current.events)) {
        source.addEventListener(name, (event) => {
          const data = JSON.parse((event as MessageEvent<string>).data) as unknown;
          latest.current.events[name]?.(data);
        });
      }
      source.addEventListener('error', () => {
        broken = true;
        setState('reconnecting');
        // The browser retries a dropped stream itself; one it gave up on (the server answered
        // with an error while restarting) is opened again once the server answers.
        if (source?.readyState === EventSource.CLOSED) {
          source.close();
          timer = window.setTimeout(probe, RETRY_MS);
        }
      });
    };
    const probe = (): void => {
      if (closed) return;
      api('/entity-names').then(open, () => {
        timer = window.setTimeout(probe, RETRY_MS);
      });
    };
    setState('connecting');
    open();
    return () => {
      closed = true;
      if (timer !== undefined) window.clearTimeout(timer);
      source?.close();
    };
  }, [path, queryKey]);
  return state;
}
