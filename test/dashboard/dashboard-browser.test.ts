import 'reflect-metadata';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine';
import type { LockRequest } from '../../src/runtime/entity-locks';
import { KEY, post, request } from '../http/http-harness';
import { launchBrowser, screenshot, type TestBrowser } from './browser';
import { startDashboardServer, type DashboardServer } from './dashboard-harness';

const XSS = `<img src=x onerror="window.__xss='img'"><script>window.__xss='script'</script>`;

describe('the dashboard in headless Chromium (embedded app, real HTTP)', () => {
  let browser: TestBrowser;
  let server: DashboardServer;
  let page: Page;
  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startDashboardServer();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });
  afterEach(async () => {
    await page?.close();
  });
  const open = async (hash: string): Promise<Page> => {
    page = await browser.newPage();
    await page.goto(`${server.url}/${hash}`);
    return page;
  };
  // Reads that never wait (a locator action waits for its element): for expect.poll.
  const rowStatus = (id: string): Promise<string | null | undefined> =>
    page.locator(`tr[data-instance-id="${id}"] [data-status]`).evaluateAll((elements) => elements[0]?.getAttribute('data-status'));
  const listedIds = (): Promise<(string | null)[]> => page.locator('[data-testid="instances-table"] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-instance-id')));

  it('loads the overview with no console errors, with the counts from the stats', async () => {
    await post(`${server.api}/orchestrators/HelloCity/overview-1`, 'Oslo');
    await post(`${server.api}/orchestrators/AlwaysFails/overview-2`, 'no luck');
    await post(`${server.api}/orchestrators/WaitForApproval/overview-3`, {});
    await post(`${server.api}/entities/Counter/hits?op=add`, 3);
    await server.app.client.waitForCompletion('overview-1', { timeout: 10_000 });
    await server.app.client.waitForCompletion('overview-2', { timeout: 10_000 });
    await open('');
    await page.locator('[data-view="overview"] [data-live="live"]').waitFor();
    await expect.poll(() => page.locator('[data-count="total"]').textContent()).toBe('3');
    expect(await page.locator('[data-count="Completed"]').textContent()).toBe('1');
    expect(await page.locator('[data-count="Failed"]').textContent()).toBe('1');
    expect(await page.locator('[data-count="Running"]').textContent()).toBe('1');
    expect(await page.locator('[data-testid="partitions"] .chip').count()).toBeGreaterThan(0);
    // A new instance shows in the counts without a reload.
    await post(`${server.api}/orchestrators/HelloCity/overview-4`, 'Rome');
    await expect.poll(() => page.locator('[data-count="total"]').textContent(), { timeout: 10_000 }).toBe('4');
    await page.waitForTimeout(2500); // a few seconds of operations per second for the chart
    await screenshot(page, 'overview');
    // An instance with an activity: its timeline shows the call and its duration.
    await page.goto(`${server.url}/#/instances/overview-1`);
    await expect.poll(() => page.locator('[data-testid="timeline"] [data-kind="activity"]').getAttribute('data-state')).toBe('done');
    expect(await page.locator('[data-testid="timeline"] [data-kind="activity"]').textContent()).toMatch(/Activity \S*hello/);
    await screenshot(page, 'instance-activity');
    expect(browser.errors).toEqual([]);
  });

  it('shows an instance started over HTTP, and its turn to Completed, without a reload', async () => {
    await open('#/instances');
    await page.locator('[data-view="instances"] [data-live="live"]').waitFor();
    await post(`${server.api}/orchestrators/WaitForApproval/live-order-7`, { item: 'book' });
    await expect.poll(() => rowStatus('live-order-7'), { timeout: 10_000 }).toBe('Running');
    await post(`${server.api}/instances/live-order-7/raiseEvent/approval`, 'granted');
    await expect.poll(() => rowStatus('live-order-7'), { timeout: 10_000 }).toBe('Completed');
    // Filters go to the server, and combine.
    await post(`${server.api}/orchestrators/WaitForApproval/live-wait-1`, {});
    await post(`${server.api}/orchestrators/AlwaysFails/live-fail-1`, 'expected');
    await expect.poll(() => rowStatus('live-fail-1'), { timeout: 10_000 }).toBe('Failed');
    await page.locator('[data-testid="filter-prefix"]').fill('live-');
    await expect.poll(listedIds).toEqual(['live-fail-1', 'live-order-7', 'live-wait-1']);
    await page.locator('[data-testid="filter-status"]').selectOption('Running');
    await expect.poll(listedIds).toEqual(['live-wait-1']);
    await page.locator('[data-testid="filter-status"]').selectOption('');
    await page.locator('[data-testid="filter-name"]').fill('AlwaysFails');
    await expect.poll(listedIds).toEqual(['live-fail-1']);
    await page.locator('[data-testid="filter-name"]').fill('');
    await page.locator('[data-testid="filter-prefix"]').fill('');
    await expect.poll(async () => (await listedIds()).length).toBeGreaterThanOrEqual(3);
    await screenshot(page, 'instances');
    expect(browser.errors).toEqual([]);
  });

  it('raises an event from the instance page: confirmed in a dialog, the instance completes with its data', async () => {
    await post(`${server.api}/orchestrators/WaitForApproval/approve-me`, { amount: 120, note: XSS });
    await open('#/instances/approve-me');
    await expect.poll(() => page.locator('[data-testid="instance-status"]').textContent()).toBe('Running');
    await page.locator('[data-testid="action-raise-event"]').click();
    const dialog = page.locator('[data-testid="confirm-dialog"]');
    await dialog.locator('input[name="eventName"]').fill('approval');
    await dialog.locator('textarea[name="data"]').fill('{ "by": "alice" }');
    await dialog.locator('[data-testid="confirm"]').click();
    await expect.poll(() => page.locator('[data-testid="instance-status"]').textContent(), { timeout: 10_000 }).toBe('Completed');
    expect(await server.app.client.getStatus('approve-me')).toMatchObject({ runtimeStatus: 'Completed', output: { approval: { by: 'alice' } } });
    await expect.poll(() => page.locator('[data-testid="instance-output"]').textContent()).toContain('"by": "alice"');
    // The timeline lists the event; the input's markup is text.
    expect(await page.locator('[data-testid="timeline"]').textContent()).toContain('Event raised: approval');
    expect(await page.locator('.card', { hasText: 'Input' }).first().textContent()).toContain('<script>');
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: string }).__xss)).toBeUndefined();
    await screenshot(page, 'instance');
    expect(browser.errors).toEqual([]);
  });

  it('terminates from the instance page only once the dialog is confirmed', async () => {
    await post(`${server.api}/orchestrators/WaitForApproval/stop-me`, {});
    await open('#/instances/stop-me');
    await expect.poll(() => page.locator('[data-testid="instance-status"]').textContent()).toBe('Running');
    await page.locator('[data-testid="action-terminate"]').click();
    await page.locator('[data-testid="confirm-dialog"]').getByRole('button', { name: 'Cancel' }).click();
    await page.waitForTimeout(300);
    expect((await server.app.client.getStatus('stop-me'))?.runtimeStatus).toBe('Running');
    await page.locator('[data-testid="action-terminate"]').click();
    await page.locator('[data-testid="confirm-dialog"] input[name="reason"]').fill('not needed');
    await page.locator('[data-testid="confirm"]').click();
    await expect.poll(() => page.locator('[data-testid="instance-status"]').textContent(), { timeout: 10_000 }).toBe('Terminated');
    expect(await server.app.client.getStatus('stop-me')).toMatchObject({ runtimeStatus: 'Terminated', output: 'not needed' });
    expect(await page.locator('[data-testid="action-terminate"]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="action-purge"]').isEnabled()).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it("updates an entity's state on the page after signals, from the API and from the page's form", async () => {
    for (let i = 0; i < 60; i++) await post(`${server.api}/entities/Counter/page-${String(i).padStart(2, '0')}?op=add`, i);
    await post(`${server.api}/entities/Counter/visits/call/add`, 1);
    await open('#/entities/Counter');
    await page.locator('[data-testid="entity-keys"] tbody tr').first().waitFor();
    expect(await page.locator('[data-testid="entity-names"]').textContent()).toContain('Note');
    expect(await page.locator('[data-testid="entity-keys"] tbody tr').count()).toBe(50);
    await page.locator('[data-testid="next-page"]').click();
    await expect.poll(() => page.locator('[data-testid="entity-keys"] tbody tr').count()).toBe(12);
    await screenshot(page, 'entities');
    await page.locator('[data-testid="open-key"]').fill('visits');
    await page.locator('[data-testid="open-key"]').press('Enter');
    await expect.poll(() => page.locator('[data-testid="entity-state"]').textContent()).toContain('"value": 1');
    await post(`${server.api}/entities/Counter/visits?op=add`, 41);
    await expect.poll(() => page.locator('[data-testid="entity-state"]').textContent(), { timeout: 10_000 }).toContain('"value": 42');
    await page.locator('[data-testid="signal-operation"]').fill('add');
    await page.locator('[data-testid="signal-input"]').fill('58');
    await page.locator('[data-testid="signal-send"]').click();
    await expect.poll(() => page.locator('[data-testid="entity-state"]').textContent(), { timeout: 10_000 }).toContain('"value": 100');
    expect(await request(`${server.api}/entities/Counter/visits`)).toMatchObject({ json: { value: 100 } });
    await screenshot(page, 'entity');
    expect(browser.errors).toEqual([]);
  });

  it('shows the orchestration holding an entity lock, linked, with the messages queued behind it', async () => {
    await post(`${server.api}/entities/Note/held/call/set`, 'kept');
    // The $lock message a critical section sends, as if instance 'owner-1' held the note.
    const lock: LockRequest = { owner: 'owner-1', entities: [{ name: 'Note', key: 'held' }], index: 0, grant: { target: { name: 'Note', key: 'sink' }, operation: 'set', input: '' } };
    await (server.app as unknown as { engine: Engine }).engine.send([{ id: 'dashboard-test-lock', target: { name: 'Note', key: 'held' }, operation: '$lock', kind: 'signal', input: lock }]);
    await post(`${server.api}/entities/Note/held?op=set`, 'waits');
    await expect.poll(async () => (await server.app.client.readEntityState({ name: 'Note', key: 'held' })).backlogQueueSize, { timeout: 10_000 }).toBe(1);
    await open('#/entities/Note');
    const cell = page.locator('[data-entity-key="held"] [data-testid="locked-by"]');
    await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toBe('owner-1 · 1 queued');
    expect(await cell.locator('a').getAttribute('href')).toBe('#/instances/owner-1');
    expect(browser.errors).toEqual([]);
  });

  it('shows markup in an entity state as text: nothing of it runs or becomes an element', async () => {
    await post(`${server.api}/entities/Note/evil/call/set`, XSS);
    await post(`${server.api}/entities/Note/evil/call/tag`, '</pre><b id="bold">bold</b>');
    await open('#/entities/Note/evil');
    const state = page.locator('[data-testid="entity-state"]');
    await expect.poll(() => state.textContent()).toContain('<script>');
    expect(await state.textContent()).toContain(`onerror=\\"window.__xss='img'\\"`);
    expect(await state.textContent()).toContain('<b id=\\"bold\\">');
    expect(await state.locator('img, script, b').count()).toBe(0);
    expect(await page.locator('#bold').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(browser.errors).toEqual([]);
  });

  it('reconnects its live stream after the server restarted and shows what changed meanwhile', async () => {
    await open('#/instances');
    await page.locator('[data-view="instances"] [data-live="live"]').waitFor();
    await server.http.close();
    await page.locator('[data-view="instances"] [data-live="reconnecting"]').waitFor({ timeout: 10_000 });
    // Started while the page has no server: the page must re-read after it reconnected.
    await server.app.client.startNew('HelloCity', 'Lima', { instanceId: 'live-during-restart' });
    await server.restartHttp();
    await page.locator('[data-view="instances"] [data-live="live"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => rowStatus('live-during-restart'), { timeout: 10_000 }).toBe('Completed');
    await post(`${server.api}/orchestrators/HelloCity/live-after-restart`, 'Quito');
    await expect.poll(() => rowStatus('live-after-restart'), { timeout: 10_000 }).toBe('Completed');
    // The browser logs the refused reconnection attempts while the server was away; nothing else.
    expect(browser.errors.filter((line) => !/ERR_CONNECTION_REFUSED|Failed to load resource|EventSource/.test(line))).toEqual([]);
    browser.errors.length = 0;
  });
});

describe('the dashboard with keys (headless Chromium)', () => {
  let browser: TestBrowser;
  let server: DashboardServer;
  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startDashboardServer({ keys: [KEY] });
    await server.app.client.startNew('WaitForApproval', {}, { instanceId: 'secret-instance' });
    await server.app.client.signalEntity({ name: 'Counter', key: 'secret-counter' }, 'add', 7);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('asks for the key once, shows nothing without it, refuses a wrong one, and keeps a right one for the session', async () => {
    const page = await browser.newPage();
    const apiCalls: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/runtime/webhooks/durabletask')) apiCalls.push(req.url());
    });
    await page.goto(`${server.url}/#/instances`);
    await page.locator('[data-view="key-prompt"]').waitFor();
    await screenshot(page, 'key-prompt');
    expect(await page.locator('[data-view="instances"]').count()).toBe(0);
    expect(await page.content()).not.toContain('secret-instance');
    expect(apiCalls).toEqual([]);

    await page.locator('[data-testid="key-input"]').fill('not-the-key-0123456789');
    await page.locator('[data-testid="key-submit"]').click();
    await page.getByText('This key is not valid for this server.').waitFor();
    expect(await page.locator('[data-view="instances"]').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length)).toBe(0);

    await page.locator('[data-testid="key-input"]').fill(KEY);
    await page.locator('[data-testid="key-submit"]').click();
    await page.locator('tr[data-instance-id="secret-instance"]').waitFor();
    await page.locator('[data-view="instances"] [data-live="live"]').waitFor();
    // Kept for the session: a reload does not ask again.
    await page.reload();
    await page.locator('tr[data-instance-id="secret-instance"]').waitFor();
    await page.goto(`${server.url}/#/entities/Counter/secret-counter`);
    await expect.poll(() => page.locator('[data-testid="entity-state"]').textContent()).toContain('"value": 7');
    // A new tab has its own session: it asks again.
    const other = await browser.newPage();
    await other.goto(`${server.url}/#/instances`);
    await other.locator('[data-view="key-prompt"]').waitFor();
    expect(await other.content()).not.toContain('secret-instance');
    // Forgetting the key hides everything again.
    await page.locator('[data-testid="sign-out"]').click();
    await page.locator('[data-view="key-prompt"]').waitFor();
    expect(await page.content()).not.toContain('secret-counter');
    // The one 401 is the wrong key's check.
    expect(browser.errors.filter((line) => !/401/.test(line))).toEqual([]);
    await other.close();
    await page.close();
  });
});
