import { isIP } from 'node:net';
import type { DurableClient } from '../client/durable-client';
import { DURABLE_TASK_WEBHOOK_PATH } from '../client/http-management';
import { InvalidOptionsError } from '../errors';

/** Default largest request body, in bytes (1 MiB). */
export const DEFAULT_BODY_LIMIT_BYTES = 1_048_576;
/** Default port of `serveHttp`, the port Azure Functions Core Tools use. */
export const DEFAULT_HTTP_PORT = 7071;
/** Default interface of `serveHttp`: loopback only. */
export const DEFAULT_HTTP_HOST = '127.0.0.1';

/**
 * Options of the HTTP API's routes, as a fastify plugin in a server of your own.
 *
 * @example
 * ```ts
 * const server = Fastify();
 * await server.register(jetstateHttpApi, { client: app.client, keys: [process.env.JETSTATE_KEY!] });
 * ```
 */
export interface HttpApiOptions {
  /** The client the routes drive: an app's `app.client` or a `DurableClient.connect(...)` client. */
  client: DurableClient;
  /**
   * Keys that grant access to every route (`?code=`, `x-functions-key` or `Authorization: Bearer`).
   * Without keys, every request is let in.
   */
  keys?: readonly string[];
  /** Largest request body in bytes; a larger one is answered `413`. Default 1 MiB. */
  bodyLimit?: number;
  /** Where the routes are mounted. Default `/runtime/webhooks/durabletask`. */
  basePath?: string;
}

/**
 * Options of {@link serveHttp}: the HTTP API's routes plus where to listen.
 *
 * @example
 * ```ts
 * const http = await serveHttp(app.client, { port: 7071, keys: [process.env.JETSTATE_KEY!] });
 * ```
 */
export interface ServeHttpOptions extends Omit<HttpApiOptions, 'client'> {
  /** The TCP port; `0` picks a free one (see `url`). Default 7071. */
  port?: number;
  /** The interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /**
   * Listen on an interface other than loopback without `keys`, letting anyone who reaches
   * it in. Default false: such a server refuses to start.
   */
  allowAnonymous?: boolean;
  /**
   * Also serve the live web dashboard at `/` (the API stays under `basePath`). With `keys`,
   * the page asks for a key before it shows anything. Default false. See docs/dashboard.md.
   */
  dashboard?: boolean;
}

/** {@link HttpApiOptions} checked and with defaults. */
export interface HttpApiSettings {
  readonly client: DurableClient;
  readonly keys: readonly string[];
  readonly bodyLimit: number;
  readonly basePath: string;
}

/** Checks the route options; throws an `InvalidOptionsError` that says what to fix. */
export function httpApiSettings(options: HttpApiOptions): HttpApiSettings {
  if (typeof options !== 'object' || options === null || typeof options.client !== 'object' || options.client === null) {
    throw new InvalidOptionsError(`The HTTP API needs { client }: an app's app.client or a client from DurableClient.connect(...).`);
  }
  const keys = options.keys ?? [];
  if (!Array.isArray(keys) || (options.keys !== undefined && keys.length === 0) || keys.some((key) => typeof key !== 'string' || key.length < 16)) {
    throw new InvalidOptionsError(
      `keys must be a non-empty array of strings of at least 16 characters (e.g. from crypto.randomBytes(24).toString('base64url')), or left out.`,
    );
  }
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT_BYTES;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1) {
    throw new InvalidOptionsError(`bodyLimit must be a positive integer number of bytes, got ${String(options.bodyLimit)}.`);
  }
  const basePath = options.basePath ?? DURABLE_TASK_WEBHOOK_PATH;
  if (typeof basePath !== 'string' || !/^(\/[A-Za-z0-9._~-]+)*$/.test(basePath)) {
    throw new InvalidOptionsError(`basePath must be a path such as '/runtime/webhooks/durabletask' (or '' for the root), got '${String(basePath)}'.`);
  }
  return { client: options.client, keys, bodyLimit, basePath };
}

/** {@link ServeHttpOptions} checked and with defaults. */
export interface ServeHttpSettings {
  readonly api: Omit<HttpApiSettings, 'client'>;
  readonly port: number;
  readonly host: string;
  readonly dashboard: boolean;
}

const SERVE_OPTIONS = ['port', 'host', 'keys', 'allowAnonymous', 'bodyLimit', 'basePath', 'dashboard'];

/** Checks `serveHttp`'s options, and refuses an open server on a non-loopback interface. */
export function serveHttpSettings(client: DurableClient, options: ServeHttpOptions): ServeHttpSettings {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError(`serveHttp options must be an object such as { port: 7071 }.`);
  const unknown = Object.keys(options).filter((key) => !SERVE_OPTIONS.includes(key));
  if (unknown.length > 0) {
    throw new InvalidOptionsError(
      `Unknown serveHttp option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}. Known options: ${SERVE_OPTIONS.join(', ')}.`,
    );
  }
  const { client: _client, ...api } = httpApiSettings({ ...options, client });
  const port = options.port ?? DEFAULT_HTTP_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidOptionsError(`port must be an integer from 0 to 65535, got ${String(options.port)}.`);
  const host = options.host ?? DEFAULT_HTTP_HOST;
  if (typeof host !== 'string' || host.length === 0) throw new InvalidOptionsError(`host must be a host name or IP address, got ${String(options.host)}.`);
  if (api.keys.length === 0 && !isLoopback(host) && options.allowAnonymous !== true) {
    throw new InvalidOptionsError(
      `serveHttp refuses to listen on '${host}' without keys: anyone who reaches it could start, terminate and purge orchestrations and signal entities. ` +
        `Give keys: [...] (clients send one as ?code=, x-functions-key or Authorization: Bearer), listen on 127.0.0.1, or pass allowAnonymous: true if a proxy in front authenticates.`,
    );
  }
  if (options.dashboard !== undefined && typeof options.dashboard !== 'boolean')
    throw new InvalidOptionsError(`dashboard must be true or false, got ${String(options.dashboard)}.`);
  if (options.dashboard === true && api.basePath === '') {
    throw new InvalidOptionsError(
      `The dashboard is served at '/', so the API needs a basePath of its own (such as the default '/runtime/webhooks/durabletask') when dashboard is true.`,
    );
  }
  return { api, port, host, dashboard: options.dashboard === true };
}

/** Whether `host` names only this machine (`localhost`, 127.0.0.0/8, `::1`). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}
