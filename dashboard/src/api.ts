import { config } from './config';

const KEY_STORAGE = 'jetstate.dashboard.key';

/** The key kept for this browser tab's session (sessionStorage), if any. */
export function storedKey(): string | undefined {
  return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** Listeners told when the server refused the key: the page then asks for one again. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** A refusal of the API: its status, stable code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** An API reply: the parsed body and its headers. */
export interface ApiReply<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** The URL of an API path (`/instances`), with `query` and, for event streams, the key as `code`. */
export function apiUrl(path: string, query: Record<string, string | undefined> = {}, withKey = false): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, value);
  const key = storedKey();
  if (withKey && key !== undefined) params.set('code', key);
  const search = params.toString();
  return `${config.apiBasePath}${path}${search === '' ? '' : `?${search}`}`;
}

/** Encodes one path segment (an instance id, an entity name or key). */
export const segment = (value: string): string => encodeURIComponent(value);

/** Calls the API with the session's key; rejects with an {@link ApiError} for a refusal. */
export async function api<T = unknown>(
  path: string,
  options: { method?: string; query?: Record<string, string | undefined>; body?: unknown; headers?: Record<string, string>; key?: string } = {},
): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const key = options.key ?? storedKey();
  if (key !== undefined) headers['x-functions-key'] = key;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(apiUrl(path, options.query), { method: options.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    const error = (parsed ?? {}) as { code?: string; message?: string };
    if (response.status === 401 && options.key === undefined) for (const listener of [...unauthorizedListeners]) listener();
    throw new ApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? `The server answered ${response.status}.`);
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** The message to show for a failed request. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'The server cannot be reached. It may be restarting; try again in a moment.';
  return error instanceof Error ? error.message : String(error);
}
