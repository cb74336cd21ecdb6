import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { DURABLE_TASK_WEBHOOK_PATH } from '../client/http-management';
import { loadDashboardAssets, type DashboardAssets } from './dashboard-assets';

/**
 * Options of the dashboard's fastify plugin (`serveHttp(client, { dashboard: true })` mounts
 * it for you).
 */
export interface DashboardOptions {
  /** Where the HTTP API is mounted on the same server. Default `/runtime/webhooks/durabletask`. */
  apiBasePath?: string;
  /** Whether the API needs a key: the page then asks for one before it shows anything. Default false. */
  keysRequired?: boolean;
  /** Where the built page is read from. Default: the one shipped in the package. */
  assetsDir?: string;
}

/** The page's own files carry no data: they are served without a key. Everything they show comes from the API, which checks it. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

/**
 * The live web dashboard as a fastify plugin: the page at the prefix it is registered
 * under (`/` by default) and its files under `assets/`. It talks to the HTTP API on the same
 * server, so register `jetstateHttpApi` too.
 *
 * @example
 * ```ts
 * const server = Fastify();
 * await server.register(jetstateHttpApi, { client: app.client, keys: [key] });
 * await server.register(jetstateDashboard, { keysRequired: true });
 * ```
 */
export const jetstateDashboard: FastifyPluginAsync<DashboardOptions> = async (server, options) => {
  const assets: DashboardAssets = loadDashboardAssets(options.assetsDir);
  const config = { apiBasePath: options.apiBasePath ?? DURABLE_TASK_WEBHOOK_PATH, keysRequired: options.keysRequired === true };
  const indexHtml = assets.indexHtml.replace('%JETSTATE_CONFIG%', escapeAttribute(JSON.stringify(config)));
  const withHeaders = (reply: FastifyReply): FastifyReply => reply.headers(SECURITY_HEADERS);

  server.get('/', async (_request, reply) => withHeaders(reply).type('text/html; charset=utf-8').send(indexHtml));
  server.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const asset = assets.files.get(request.params.file);
    if (!asset) return withHeaders(reply).code(404).type('text/plain; charset=utf-8').send('Not found');
    return withHeaders(reply).type(asset.contentType).send(asset.body);
  });
};

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
