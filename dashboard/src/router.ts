import { useEffect, useState } from 'preact/hooks';

/** The view the location's hash names, e.g. `#/instances/abc` or `#/entities/Counter?from=...`. */
export interface Route {
  /** Decoded path segments after `#/`. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = hash.split('?', 2) as [string?, string?];
  const segments = path === '' ? [] : path.split('/').map((part) => decodeURIComponent(part));
  return { segments, query: new URLSearchParams(search) };
}

/** The href of a view: `href('instances', id)` is `#/instances/<id>`. */
export function href(segments: readonly string[], query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, value);
  const search = params.toString();
  return `#/${segments.map((part) => encodeURIComponent(part)).join('/')}${search === '' ? '' : `?${search}`}`;
}

export function navigate(segments: readonly string[], query: Record<string, string | undefined> = {}, replace = false): void {
  const target = href(segments, query);
  if (replace) history.replaceState(null, '', target);
  else location.hash = target;
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = (): void => setRoute(currentRoute());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
