import { DURABLE_TASK_WEBHOOK_PATH } from '../client/http-management';
import { ErrorCode } from '../errors';
import type { StatusPayload } from '../http/status-payload';
import type {
  Backend,
  DeadLetterAccess,
  EntityChangeEvent,
  EntityListQuery,
  EntityRef,
  EntityRow,
  InstanceListQuery,
  InstancePurgeFilter,
  StreamControl,
} from './backend';
import { CliError, CliErrorCode, ExitCode, instanceNotFound, usageError } from './cli-errors';
import { readServerSentEvents } from './server-sent-events';

const CONTINUATION_HEADER = 'x-ms-continuation-token';
/** Most rows asked for per page while collecting a listing. */
const PAGE_SIZE = 1000;
const TERMINAL = new Set(['Completed', 'Failed', 'Terminated']);

/** Where the HTTP API is. */
export interface HttpBackendOptions {
  /** The server (`http://host:7071`, the API under the default base path) or the API's own URL. */
  readonly url: string;
  readonly key?: string;
}

/** An error reply of the HTTP API, with its status and jetstate's code. */
export class HttpApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpApiError';
  }
}

/** The commands' calls on a running app's HTTP API (docs/http.md). */
export class HttpBackend implements Backend {
  readonly mode = 'http' as const;
  readonly target: string;
  private readonly api: string;

  constructor(private readonly options: HttpBackendOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw usageError(`--url '${options.url}' is not a URL: give the app's HTTP API as http://host:port.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--url '${options.url}' must start with http:// or https://.`);
    const path = url.pathname.replace(/\/+$/, '');
    this.api = `${url.origin}${path === '' ? DURABLE_TASK_WEBHOOK_PATH : path}`;
    this.target = url.origin;
  }

  async signal(id: EntityRef, operation: string, input: unknown): Promise<void> {
    await this.request('POST', `${entityPath(id)}?op=${encodeURIComponent(operation)}`, input);
  }

  async call(id: EntityRef, operation: string, input: unknown): Promise<unknown> {
    return (await this.request('POST', `${entityPath(id)}/call/${encodeURIComponent(operation)}`, input)).json;
  }

  async read(id: EntityRef): Promise<{ readonly state: unknown } | undefined> {
    const reply = await this.request('GET', entityPath(id), undefined, [404]);
    if (reply.status === 404) {
      // 404 is both "no state" and "no such entity name": only the former is an answer.
      if (reply.code === 'JETSTATE_HTTP_ENTITY_NOT_FOUND') return undefined;
      throw new HttpApiError(404, reply.code ?? 'JETSTATE_HTTP_ROUTE_NOT_FOUND', reply.message ?? 'Not found.');
    }
    return { state: reply.json };
  }

  async listEntities(query: EntityListQuery): Promise<EntityRow[]> {
    const params = new URLSearchParams({ fetchState: String(query.fetchState) });
    if (query.lastOperationFrom) params.set('lastOperationTimeFrom', query.lastOperationFrom.toISOString());
    const path = query.name === undefined ? '/entities' : `/entities/${encodeURIComponent(query.name)}`;
    const rows = await this.pages<EntityRow>(path, params, query.limit);
    return rows.map((row) => ({
      entityId: row.entityId,
      lastOperationTime: row.lastOperationTime,
      ...(row.lockedBy === undefined ? {} : { lockedBy: row.lockedBy }),
      backlogQueueSize: row.backlogQueueSize ?? 0,
      ...('state' in row ? { state: row.state } : {}),
    }));
  }

  async watchEntity(id: EntityRef, onChange: (change: EntityChangeEvent) => void, control: StreamControl): Promise<void> {
    for await (const event of this.stream(`${entityPath(id)}/stream`, control)) {
      if (event.event === 'state') onChange({ entityId: id, exists: true, state: JSON.parse(event.data) });
      else if (event.event === 'deleted') onChange({ entityId: id, exists: false });
    }
  }

  watchEntities(name: string): Promise<void> {
    return Promise.reject(
      usageError(`The HTTP API streams one entity at a time: watch ${name}/<key>, or connect with --nats and --hub to watch every ${name}.`),
    );
  }

  async deleteEntity(id: EntityRef): Promise<void> {
    await this.request('DELETE', entityPath(id));
  }

  async startNew(orchestrator: string, input: unknown, instanceId: string | undefined): Promise<string> {
    const path = `/orchestrators/${encodeURIComponent(orchestrator)}${instanceId === undefined ? '' : `/${encodeURIComponent(instanceId)}`}`;
    const reply = await this.request('POST', path, input);
    return (reply.json as { id: string }).id;
  }

  async getStatus(instanceId: string, showHistory: boolean): Promise<StatusPayload | undefined> {
    const params = new URLSearchParams({ showInput: 'true', ...(showHistory ? { showHistory: 'true', showHistoryOutput: 'true' } : {}) });
    const reply = await this.request('GET', `/instances/${encodeURIComponent(instanceId)}?${params}`, undefined, [404]);
    if (reply.status === 404 && reply.code !== ErrorCode.OrchestrationNotFound)
      throw new HttpApiError(404, reply.code ?? 'JETSTATE_HTTP_ROUTE_NOT_FOUND', reply.message ?? 'Not found.');
    return reply.status === 404 ? undefined : (reply.json as StatusPayload);
  }

  listInstances(query: InstanceListQuery): Promise<StatusPayload[]> {
    const params = new URLSearchParams({ showInput: 'true' });
    if (query.runtimeStatus) params.set('runtimeStatus', query.runtimeStatus.join(','));
    if (query.instanceIdPrefix !== undefined) params.set('instanceIdPrefix', query.instanceIdPrefix);
    return this.pages<StatusPayload>('/instances', params, query.limit);
  }

  async raiseEvent(instanceId: string, event: string, data: unknown): Promise<void> {
    await this.request('POST', `/instances/${encodeURIComponent(instanceId)}/raiseEvent/${encodeURIComponent(event)}`, data ?? null);
  }

  terminate(instanceId: string, reason: string | undefined): Promise<void> {
    return this.control(instanceId, 'terminate', reason);
  }

  suspend(instanceId: string, reason: string | undefined): Promise<void> {
    return this.control(instanceId, 'suspend', reason);
  }

  resume(instanceId: string, reason: string | undefined): Promise<void> {
    return this.control(instanceId, 'resume', reason);
  }

  rewind(instanceId: string, reason: string | undefined): Promise<void> {
    return this.control(instanceId, 'rewind', reason);
  }

  async restart(instanceId: string, newInstanceId: boolean): Promise<string> {
    const reply = await this.request('POST', `/instances/${encodeURIComponent(instanceId)}/restart?restartWithNewInstanceId=${newInstanceId}`);
    return (reply.json as { id: string }).id;
  }

  async purgeInstance(instanceId: string): Promise<number> {
    const reply = await this.request('DELETE', `/instances/${encodeURIComponent(instanceId)}`, undefined, [404]);
    if (reply.status === 404) return 0;
    return (reply.json as { instancesDeleted: number }).instancesDeleted;
  }

  async purgeInstances(filter: InstancePurgeFilter): Promise<number> {
    // The route needs a lower bound on the creation time; the epoch takes every instance.
    const params = new URLSearchParams({ createdTimeFrom: new Date(0).toISOString() });
    if (filter.createdBefore) params.set('createdTimeTo', filter.createdBefore.toISOString());
    if (filter.runtimeStatus) params.set('runtimeStatus', filter.runtimeStatus.join(','));
    const reply = await this.request('DELETE', `/instances?${params}`, undefined, [404]);
    // 404: nothing matched.
    return reply.status === 404 ? 0 : (reply.json as { instancesDeleted: number }).instancesDeleted;
  }

  async watchStatus(instanceId: string, onStatus: (status: StatusPayload) => void, control: StreamControl): Promise<StatusPayload | undefined> {
    let last: StatusPayload | undefined;
    try {
      for await (const event of this.stream(`/instances/${encodeURIComponent(instanceId)}/stream?showInput=true`, control)) {
        if (event.event !== 'status') continue;
        last = JSON.parse(event.data) as StatusPayload;
        onStatus(last);
      }
    } catch (error) {
      if (error instanceof HttpApiError && error.code === ErrorCode.OrchestrationNotFound) throw instanceNotFound(instanceId);
      throw error;
    }
    return last && TERMINAL.has(last.runtimeStatus) ? last : undefined;
  }

  deadLetters(): DeadLetterAccess {
    throw usageError('Dead letters are kept by a NATS hub and are not on the HTTP API: connect with --nats <url> --hub <name>.');
  }

  async close(): Promise<void> {}

  private async control(instanceId: string, action: string, reason: string | undefined): Promise<void> {
    await this.request('POST', `/instances/${encodeURIComponent(instanceId)}/${action}${reason === undefined ? '' : `?reason=${encodeURIComponent(reason)}`}`);
  }

  /** Follows the continuation header until `limit` rows or the last page. */
  private async pages<T>(path: string, params: URLSearchParams, limit: number): Promise<T[]> {
    const rows: T[] = [];
    let token: string | undefined;
    do {
      params.set('top', String(Math.min(PAGE_SIZE, limit - rows.length)));
      const reply = await this.request('GET', `${path}?${params}`, undefined, [], token === undefined ? {} : { [CONTINUATION_HEADER]: token });
      rows.push(...(reply.json as T[]));
      token = reply.headers.get(CONTINUATION_HEADER) ?? undefined;
    } while (token !== undefined && rows.length < limit);
    return rows.slice(0, limit);
  }

  private async *stream(path: string, control: StreamControl): AsyncGenerator<{ event: string; data: string }> {
    const response = await this.fetch('GET', path, undefined, {}, control.signal);
    if (response === undefined) return;
    if (!response.ok) await this.refusal(response);
    if (!response.body) return;
    try {
      yield* readServerSentEvents(response.body);
    } catch (error) {
      if (control.signal.aborted) return;
      throw error;
    }
  }

  /** Sends a request; a reply whose status is not 2xx (nor one of `accepted`) throws. */
  private async request(
    method: string,
    path: string,
    body?: unknown,
    accepted: readonly number[] = [],
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: unknown; headers: Headers; code?: string; message?: string }> {
    const response = (await this.fetch(method, path, body, headers))!;
    if (!response.ok && !accepted.includes(response.status)) await this.refusal(response);
    const text = await response.text();
    const json = parseJson(text);
    const error = json as { code?: unknown; message?: unknown } | undefined;
    return {
      status: response.status,
      json,
      headers: response.headers,
      ...(response.ok || typeof error?.code !== 'string' ? {} : { code: error.code, message: String(error.message) }),
    };
  }

  private async fetch(method: string, path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<Response | undefined> {
    const key = this.options.key;
    try {
      return await fetch(`${this.api}${path}`, {
        method,
        headers: {
          ...(key === undefined ? {} : { 'x-functions-key': key }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) return undefined;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `Cannot reach the HTTP API at ${this.target} (${cause?.code ?? cause?.message ?? (error as Error).message}). Check --url (or JETSTATE_URL) and that the app serves its HTTP API there (serveHttp, or jetstate serve).`,
        ExitCode.Usage,
        CliErrorCode.Connection,
        { cause: error },
      );
    }
  }

  private async refusal(response: Response): Promise<never> {
    const json = parseJson(await response.text()) as { code?: unknown; message?: unknown } | undefined;
    if (response.status === 401) {
      throw new CliError(
        `The HTTP API at ${this.target} refused the key (401): ${this.options.key === undefined ? 'it needs one: pass --key or set JETSTATE_KEY' : 'pass one of its keys with --key or JETSTATE_KEY'}.`,
        ExitCode.Usage,
        CliErrorCode.Connection,
      );
    }
    if (typeof json?.code !== 'string') {
      throw new CliError(
        `${this.target} answered ${response.status} ${response.statusText} without a jetstate error: is --url the jetstate HTTP API (e.g. http://host:7071)?`,
        ExitCode.Usage,
        CliErrorCode.Connection,
      );
    }
    throw new HttpApiError(response.status, json.code, String(json.message));
  }
}

function entityPath(id: EntityRef): string {
  return `/entities/${encodeURIComponent(id.name)}/${encodeURIComponent(id.key)}`;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
