/** An embedded app (real LevelDB in a temp directory) served with the dashboard, for the browser tests. */
import { DurableApp, serveHttp, type HttpServer, type ServeHttpOptions } from '../../src/index';
import { buildDashboard } from '../../scripts/build-dashboard.mjs';
import { tempDir } from '../helpers';
import { API } from '../http/http-harness';
import { DASHBOARD_CLASSES } from './fixtures/dashboard-fixtures';

export interface DashboardServer {
  readonly app: DurableApp;
  http: HttpServer;
  /** The server's origin, where the page is. */
  readonly url: string;
  /** The API's base URL. */
  readonly api: string;
  /** Closes the HTTP server and serves again on the same port (the app keeps running). */
  restartHttp(): Promise<void>;
  dispose(): Promise<void>;
}

let built: Promise<unknown> | undefined;
/** Builds the page once per test process from dashboard/, so the tests run what the sources say. */
export function ensureDashboardBuilt(): Promise<unknown> {
  return (built ??= buildDashboard());
}

export async function startDashboardServer(options: ServeHttpOptions = {}): Promise<DashboardServer> {
  await ensureDashboardBuilt();
  const dir = await tempDir('jetstate-dashboard-');
  const app = await DurableApp.create({ ...DASHBOARD_CLASSES, dataDir: dir.path, logger: { level: 'silent' } });
  await app.start();
  const serve = (port: number): Promise<HttpServer> => serveHttp(app.client, { port, dashboard: true, ...options });
  const http = await serve(0);
  const port = Number(new URL(http.url).port);
  const server: DashboardServer = {
    app,
    http,
    url: http.url,
    api: `${http.url}${API}`,
    restartHttp: async () => {
      await server.http.close();
      server.http = await serve(port);
    },
    dispose: async () => {
      await server.http.close();
      await app.stop();
      await dir.remove();
    },
  };
  return server;
}
