import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DurableClient, serveHttp, type HttpServer } from '../../src/index';
import { tempDir } from '../helpers';
import { API, post } from '../http/http-harness';
import { startHttpWorker, stopHttpWorker } from '../http/http-worker-process';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { launchBrowser, screenshot, type TestBrowser } from './browser';
import { ensureDashboardBuilt } from './dashboard-harness';

const HUB = 'dashboard';

describe('the dashboard of a client-only process in front of a NATS hub, the worker in another process (headless Chromium)', () => {
  let nats: NatsServer;
  let worker: ChildProcess | undefined;
  let client: DurableClient;
  let http: HttpServer;
  let browser: TestBrowser;
  let page: Page | undefined;
  let removeDir: () => Promise<void>;
  let api: string;

  beforeAll(async () => {
    await ensureDashboardBuilt();
    const dir = await tempDir('jetstate-dashboard-nats-');
    removeDir = dir.remove;
    nats = await startNatsServer();
    worker = await startHttpWorker(nats.url, HUB, join(dir.path, 'worker'));
    client = await DurableClient.connect({ nats: nats.url, hub: HUB, logger: { level: 'silent' } });
    http = await serveHttp(client, { port: 0, dashboard: true });
    api = `${http.url}${API}`;
    browser = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await client?.close();
    await stopHttpWorker(worker);
    await nats?.dispose();
    await removeDir?.();
  }, 30_000);

  afterEach(async () => {
    await page?.close();
  });

  const open = async (hash: string, view: string): Promise<Page> => {
    page = await browser.newPage();
    await page.goto(`${http.url}/${hash}`);
    await page.locator(`[data-view="${view}"] [data-live="live"]`).waitFor({ timeout: 15_000 });
    return page;
  };

  it('shows an instance started over HTTP appear and complete (its activity ran in the worker), without a reload', async () => {
    const view = await open('#/instances', 'instances');
    const rowStatus = (id: string): Promise<string | null | undefined> =>
      view.locator(`tr[data-instance-id="${id}"] [data-status]`).evaluateAll((elements) => elements[0]?.getAttribute('data-status'));
    expect((await post(`${api}/orchestrators/HelloCity/nats-hello`, 'Oslo')).status).toBe(202);
    await expect.poll(() => rowStatus('nats-hello'), { timeout: 20_000 }).toBe('Completed');
    await screenshot(view, 'nats-instances');
    await view.locator('tr[data-instance-id="nats-hello"] a').click();
    await expect.poll(() => view.locator('[data-testid="instance-output"]').textContent(), { timeout: 10_000 }).toContain('Hello Oslo!');
    await expect.poll(() => view.locator('[data-testid="timeline"] [data-kind="activity"]').getAttribute('data-state')).toBe('done');
    // The counts are the hub's, read through the client.
    await view.goto(`${http.url}/#/`);
    await expect.poll(() => view.locator('[data-count="Completed"]').textContent(), { timeout: 10_000 }).toBe('1');
    expect(browser.errors).toEqual([]);
  });

  it("shows an entity's value change after a signal, and a new key in its name's list, without a reload", async () => {
    await post(`${api}/entities/Counter/nats-visits/call/add`, 5);
    const view = await open('#/entities/Counter', 'entities');
    const keys = (): Promise<(string | null)[]> =>
      view.locator('[data-testid="entity-keys"] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-entity-key')));
    await expect.poll(keys).toContain('nats-visits');
    await post(`${api}/entities/Counter/nats-new?op=add`, 1);
    await expect.poll(keys, { timeout: 15_000 }).toContain('nats-new');
    await view.locator('tr[data-entity-key="nats-visits"] a').click();
    const state = view.locator('[data-testid="entity-state"]');
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toContain('"value": 5');
    await post(`${api}/entities/Counter/nats-visits?op=add`, 37);
    await expect.poll(() => state.textContent(), { timeout: 15_000 }).toContain('"value": 42');
    await screenshot(view, 'nats-entity');
    expect(browser.errors).toEqual([]);
  });
});
