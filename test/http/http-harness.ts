/**
 * Shared machinery of the HTTP API tests: an embedded app with the HTTP fixtures behind
 * `serveHttp`, requests with fetch and with the real curl binary, and polling.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { vi } from 'vitest';
import { DurableApp, serveHttp, type DurableClient, type HttpServer, type ServeHttpOptions } from '../../src/index';
import { tempDir } from '../helpers';
import { HTTP_CLASSES } from './fixtures/http-fixtures';

export const API = '/runtime/webhooks/durabletask';
/** A key long enough for the server's check. */
export const KEY = 'test-key-0123456789abcdef';

const execFileAsync = promisify(execFile);

/** An app on the embedded engine (real LevelDB in a temp directory) served over HTTP. */
export interface EmbeddedServer {
  readonly app: DurableApp;
  readonly client: DurableClient;
  readonly http: HttpServer;
  /** `http.url` + the API's base path. */
  readonly api: string;
  dispose(): Promise<void>;
}

export async function startEmbeddedServer(options: ServeHttpOptions = {}): Promise<EmbeddedServer> {
  const dir = await tempDir('jetstate-http-');
  const app = await DurableApp.create({ ...HTTP_CLASSES, dataDir: dir.path, logger: { level: 'silent' } });
  await app.start();
  try {
    const http = await serveHttp(app.client, { port: 0, ...options });
    return {
      app,
      client: app.client,
      http,
      api: `${http.url}${API}`,
      dispose: async () => {
        await http.close();
        await app.stop();
        await dir.remove();
      },
    };
  } catch (error) {
    await app.stop();
    await dir.remove();
    throw error;
  }
}

/** A reply read in full: status, headers and the body as text and (when it is JSON) parsed. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

export async function request(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POSTs `body` as JSON (none when undefined). */
export function post(url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return postRaw(url, body === undefined ? undefined : JSON.stringify(body), headers);
}

/** POSTs `text` as is, as `application/json` unless `headers` say otherwise. */
export function postRaw(url: string, text: string | undefined, headers: Record<string, string> = {}): Promise<Reply> {
  return request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, ...(text === undefined ? {} : { body: text }) });
}

/** Runs the real curl with `args` (plus -s -i) and parses what it printed. */
export async function curl(...args: string[]): Promise<Reply & { raw: string }> {
  const { stdout } = await execFileAsync('curl', ['-s', '-i', '--max-time', '20', ...args], { maxBuffer: 16 * 1024 * 1024 });
  // With -i, curl prints each response's head (a 100 Continue may come first), then the body.
  let rest = stdout;
  let head = '';
  do {
    const end = rest.indexOf('\r\n\r\n');
    head = rest.slice(0, end);
    rest = rest.slice(end + 4);
  } while (/^HTTP\/[\d.]+ 100/.test(head));
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let json: unknown;
  try {
    json = rest === '' ? undefined : JSON.parse(rest);
  } catch {
    json = undefined;
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, text: rest, json, raw: stdout };
}

/** Polls `url` until it answers something other than `202`; returns that reply. */
export function pollUntilDone(url: string, timeoutMs = 15_000, init: RequestInit = {}): Promise<Reply> {
  return vi.waitFor(
    async () => {
      const reply = await request(url, init);
      if (reply.status === 202) throw new Error(`${url} still answered 202 after ${timeoutMs} ms: ${reply.text}`);
      return reply;
    },
    { timeout: timeoutMs, interval: 20 },
  );
}

/**
 * Reads a server-sent event stream: the events received so far, a way to wait for a
 * number of them, and whether the server ended it.
 */
export class EventReader {
  readonly events: { event: string; data: any }[] = [];
  ended = false;
  private readonly done: Promise<void>;
  private readonly controller = new AbortController();

  private constructor(
    readonly status: number,
    readonly contentType: string | null,
    body: ReadableStream<Uint8Array> | null,
  ) {
    this.done = this.read(body);
  }

  static async open(url: string): Promise<EventReader> {
    const controller = new AbortController();
    const response = await fetch(url, { signal: controller.signal });
    const reader = new EventReader(response.status, response.headers.get('content-type'), response.status === 200 ? response.body : null);
    reader.controller.signal.addEventListener('abort', () => controller.abort());
    return reader;
  }

  private async read(body: ReadableStream<Uint8Array> | null): Promise<void> {
    if (!body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) this.events.push({ event, data: JSON.parse(data) });
        }
      }
      this.ended = true;
    } catch {
      // aborted by the test
    }
  }

  async waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    await vi.waitFor(
      () => {
        if (this.events.length < count) throw new Error(`expected ${count} events within ${timeoutMs} ms, got ${JSON.stringify(this.events)}`);
      },
      { timeout: timeoutMs, interval: 10 },
    );
  }

  /** Resolves once the server ended the stream; rejects after `timeoutMs`. */
  async waitForEnd(timeoutMs = 10_000): Promise<void> {
    await Promise.race([this.done, delay(timeoutMs).then(() => Promise.reject(new Error(`the stream did not end within ${timeoutMs} ms`)))]);
    if (!this.ended) throw new Error('the stream failed instead of ending');
  }

  close(): void {
    this.controller.abort();
  }
}
