import Fastify from 'fastify';
import type { DurableClient } from '../client/durable-client';
import { MAX_ENTITY_KEY_LENGTH } from '../registry/entity-id';
import { jetstateDashboard } from '../dashboard/dashboard-plugin';
import { jetstateHttpApi } from './http-api-plugin';
import { serveHttpSettings, type ServeHttpOptions } from './http-options';

/** A running HTTP API server (see {@link serveHttp}). */
export interface HttpServer {
  /** Where it listens, e.g. `http://127.0.0.1:7071` (the routes are under `/runtime/webhooks/durabletask`, the dashboard, when served, at `/`). */
  readonly url: string;
  /**
   * Stops taking new requests (new connections are refused, requests on open keep-alive
   * connections get `503`), ends the event streams, lets requests in flight finish, then
   * resolves. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

// Path parameters are entity keys and instance ids, up to 256 characters, percent-encoded.
const MAX_PARAM_LENGTH = MAX_ENTITY_KEY_LENGTH * 3;

/**
 * Serves the HTTP API (Durable Functions' management routes, entity routes and event
 * streams) for `client`: an embedded app's `app.client`, or a client-only process from
 * `DurableClient.connect(...)` in front of a NATS hub. Resolves once it listens.
 *
 * Without `keys` it only listens on loopback, unless `allowAnonymous: true` is given. With
 * `dashboard: true` it also serves the live web dashboard at `/`.
 *
 * @example
 * ```ts
 * const app = await DurableApp.create({ orchestrators: [DoWork], activities: [Work], entities: [Counter] });
 * await app.start();
 * const http = await serveHttp(app.client, { port: 7071, keys: [process.env.JETSTATE_KEY!] });
 * console.log(http.url);
 * // ...
 * await http.close();
 * await app.stop();
 * ```
 */
export async function serveHttp(client: DurableClient, options: ServeHttpOptions = {}): Promise<HttpServer> {
  const settings = serveHttpSettings(client, options);
  const server = Fastify({
    logger: false,
    // The API answers requests that arrive while it closes itself, as JSON.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  });
  const { keys, ...api } = settings.api;
  await server.register(jetstateHttpApi, { client, ...api, ...(keys.length > 0 ? { keys } : {}) });
  if (settings.dashboard) await server.register(jetstateDashboard, { apiBasePath: api.basePath, keysRequired: keys.length > 0 });
  let address: string;
  try {
    address = await server.listen({ port: settings.port, host: settings.host });
  } catch (error) {
    await server.close();
    throw error;
  }
  const url = new URL(address);
  const origin = `${url.protocol}//${url.host}`;
  client.useWebhookBaseUrl(`${origin}${settings.api.basePath}`);
  let closed: Promise<void> | undefined;
  return {
    url: origin,
    close: () => (closed ??= server.close()),
  };
}
