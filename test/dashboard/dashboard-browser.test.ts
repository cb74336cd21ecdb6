import 'reflect-metadata';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flakiness } from '../http/fixtures/http-fixtures';
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
    // Each test checks the errors of its own pages; one test's errors must not fail the next.
    browser.errors.length = 0;
  });
  const open = async (hash: string): Promise<Page> => {
    page = await browser.newPage();
    await page.goto(`${server.url}/${hash}`);
    return page;
  };
  // Reads that never wait (a locator action waits for its element): for expect.poll.
  const rowStatus = (id: string): Promise<string | null | undefined> =>
    page.locator(`tr[data-instance-id="${id}"] [data-status]`).evaluateAll((elements) => elements[0]?.getAttribute('data-status'));
  const listedIds = (): Promise<(string | null)[]> =>
    page.locator('[data-testid="instances-table"] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-instance-id')));

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

  it('draws every kind of step on the timeline: a retried activity with its attempts, a timer, a sub-orchestration, entity calls, a lock, a signal and events', async () => {
    flakiness.failuresLeft = 1;
    await post(`${server.api}/orchestrators/EveryStep/every-step`, 'steps');
    await open('#/instances/every-step');
    const steps = (): Promise<string[]> =>
      page
        .locator('[data-testid="timeline"] > li')
        .evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-kind')}:${row.getAttribute('data-state')}`));
    // Live while it runs: the page was open before the last steps were committed.
    await expect.poll(steps, { timeout: 15_000 }).toContain('event-sent:point');
    expect(await steps()).toEqual(
      expect.arrayContaining([
        'lifecycle:point',
        'activity:failed',
        'activity:done',
        'timer:done',
        'sub-orchestration:done',
        'entity-call:done',
        'lock:done',
        'entity-signal:point',
        'event-sent:point',
      ]),
    );
    const activities = await page.locator('[data-testid="timeline"] > li[data-kind="activity"]').allTextContents();
    expect(activities).toEqual([
      expect.stringMatching(/Greeter\.flaky[\s\S]*attempt 1[\s\S]*failed after/),
      expect.stringMatching(/Greeter\.flaky.*attempt 2/),
    ]);
    expect(await page.locator('[data-testid="timeline"] > li[data-kind="sub-orchestration"]').textContent()).toContain('HelloCity');
    expect(await page.locator('[data-testid="timeline"] > li[data-kind="lock"]').first().textContent()).toContain('Counter/steps');
    // A step's result opens on a click.
    const doneActivity = page.locator('[data-testid="timeline"] > li[data-kind="activity"][data-state="done"]');
    await doneActivity.locator('summary').click();
    expect(await doneActivity.locator('.tl-payload').textContent()).toContain('Hello again Bergen!');
    await post(`${server.api}/instances/every-step/raiseEvent/go`, true);
    await expect.poll(steps, { timeout: 10_000 }).toContain('outcome:point');
    expect(await steps()).toContain('event:point');
    await screenshot(page, 'instance-timeline');
    expect(browser.errors).toEqual([]);
  });

  it('suspends, resumes, rewinds, restarts and purges from the instance page, each once its dialog is confirmed', async () => {
    const confirm = async (testId: string): Promise<void> => {
      await page.locator(`[data-testid="${testId}"]`).click();
      await page.locator('[data-testid="confirm-dialog"] [data-testid="confirm"]').click();
    };
    const status = (): Promise<string | null> => page.locator('[data-testid="instance-status"]').textContent();
    await post(`${server.api}/orchestrators/WaitForApproval/pause-me`, {});
    await open('#/instances/pause-me');
    await expect.poll(status).toBe('Running');
    await confirm('action-suspend');
    await expect.poll(status, { timeout: 10_000 }).toBe('Suspended');
    expect(await page.locator('[data-testid="action-suspend"]').isDisabled()).toBe(true);
    await confirm('action-resume');
    await expect.poll(status, { timeout: 10_000 }).toBe('Running');
    expect((await server.app.client.getStatus('pause-me'))?.runtimeStatus).toBe('Running');

    flakiness.failuresLeft = 1;
    await post(`${server.api}/orchestrators/FlakyHello/rewind-me`, 'Oslo');
    await page.goto(`${server.url}/#/instances/rewind-me`);
    await expect.poll(status, { timeout: 10_000 }).toBe('Failed');
    expect(await page.locator('.card-danger').textContent()).toContain('the greeting service is down');
    expect(await page.locator('[data-testid="action-restart"]').isDisabled()).toBe(false);
    await confirm('action-rewind');
    await expect.poll(status, { timeout: 10_000 }).toBe('Completed');
    await expect.poll(() => page.locator('[data-testid="instance-output"]').textContent()).toContain('Hello again Oslo!');

    await confirm('action-restart');
    const hash = (): Promise<string> => page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash);
    await expect.poll(hash, { timeout: 10_000 }).not.toBe('#/instances/rewind-me');
    const restartedId = decodeURIComponent((await hash()).replace('#/instances/', ''));
    await expect.poll(status, { timeout: 10_000 }).toBe('Completed');
    expect(await server.app.client.getStatus(restartedId)).toMatchObject({ name: 'FlakyHello', input: 'Oslo', runtimeStatus: 'Completed' });

    await confirm('action-purge');
    await page.locator('[data-view="instances"]').waitFor();
    expect(await server.app.client.getStatus(restartedId)).toBeUndefined();
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
    // Other tests add counters too: the second page holds whatever the first 50 left.
    const counters = (await request(`${server.api}/entities/Counter?top=1000`)).json.length as number;
    expect(counters).toBeGreaterThan(60);
    await expect.poll(() => page.locator('[data-testid="entity-keys"] tbody tr').count()).toBe(counters - 50);
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

  it('lists the keys of an entity name live: a new key appears, a changed one shows its new time, a deleted one goes, and the time filter holds', async () => {
    await post(`${server.api}/entities/Note/live-a/call/set`, 'a');
    await open('#/entities/Note');
    await page.locator('[data-view="entities"] [data-live="live"]').waitFor();
    const keys = (): Promise<(string | null)[]> =>
      page.locator('[data-testid="entity-keys"] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-entity-key')));
    const timeOf = (key: string): Promise<string | null | undefined> =>
      page.locator(`tr[data-entity-key="${key}"]`).evaluateAll((rows) => rows[0]?.getAttribute('data-last-operation'));
    await expect.poll(keys).toContain('live-a');
    await post(`${server.api}/entities/Note/live-b?op=set`, 'b');
    await expect.poll(keys, { timeout: 10_000 }).toContain('live-b');
    const before = await timeOf('live-a');
    await page.waitForTimeout(1_100); // the list shows whole seconds
    await post(`${server.api}/entities/Note/live-a?op=set`, 'again');
    await expect.poll(() => timeOf('live-a'), { timeout: 10_000 }).not.toBe(before);
    await post(`${server.api}/entities/Note/live-b?op=remove`, null);
    await expect.poll(keys, { timeout: 10_000 }).not.toContain('live-b');
    // Only keys operated on from the next whole second (the browser's local time, as the filter's field takes it).
    const from = await page.evaluate(() => {
      const next = new Date(Date.now() + 1_000);
      return new Date(next.getTime() - next.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    });
    await page.goto(`${server.url}/#/entities/Note?from=${from}`);
    await page.locator('[data-view="entities"] [data-live="live"]').waitFor();
    await expect.poll(keys).toEqual([]);
    await page.waitForTimeout(1_500);
    await post(`${server.api}/entities/Note/live-c?op=set`, 'c');
    await expect.poll(keys, { timeout: 10_000 }).toEqual(['live-c']);
    expect(browser.errors).toEqual([]);
  });

  it('holds one event stream per view, and closes it when the view is left', async () => {
    page = await browser.newPage();
    const open = new Set<string>();
    const path = (url: string): string => new URL(url).pathname.replace('/runtime/webhooks/durabletask', '');
    page.on('request', (req) => {
      if (req.resourceType() === 'eventsource') open.add(path(req.url()));
    });
    const closed = (req: { resourceType(): string; url(): string }): void => {
      if (req.resourceType() === 'eventsource') open.delete(path(req.url()));
    };
    page.on('requestfailed', closed);
    page.on('requestfinished', closed);
    const openStreams = (): string[] => [...open].sort();
    await page.goto(`${server.url}/#/instances`);
    await page.locator('[data-view="instances"] [data-live="live"]').waitFor();
    expect(openStreams()).toEqual(['/streams/instances']);
    await page.goto(`${server.url}/#/`);
    await page.locator('[data-view="overview"] [data-live="live"]').waitFor();
    await expect.poll(openStreams).toEqual(['/streams/stats']);
    await page.goto(`${server.url}/#/entities/Note`);
    await page.locator('[data-view="entities"] [data-live="live"]').waitFor();
    await expect.poll(openStreams).toEqual(['/streams/entities/Note']);
    await page.goto(`${server.url}/#/entities/Note/live-a`);
    await page.locator('[data-testid="entity-state"]').waitFor();
    await expect.poll(openStreams).toEqual(['/entities/Note/live-a/stream']);
    await page.goto(`${server.url}/#/entities`);
    await page.locator('[data-testid="entity-names"]').waitFor();
    await expect.poll(openStreams).toEqual([]);
    expect(browser.errors).toEqual([]);
  });

  it('shows the orchestration holding an entity lock, linked, with the messages queued behind it', async () => {
    await post(`${server.api}/entities/Note/held/call/set`, 'kept');
    // The $lock message a critical section sends, as if instance 'owner-1' held the note.
    const lock: LockRequest = {
      owner: 'owner-1',
      entities: [{ name: 'Note', key: 'held' }],
      index: 0,
      grant: { target: { name: 'Note', key: 'sink' }, operation: 'set', input: '' },
    };
    await (server.app as unknown as { engine: Engine }).engine.send([
      { id: 'dashboard-test-lock', target: { name: 'Note', key: 'held' }, operation: '$lock', kind: 'signal', input: lock },
    ]);
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

  it('shows markup in instance ids and entity keys as text, in the lists and on their own pages', async () => {
    const id = `xss-<img src=x onerror="window.__xss='id'">`;
    const key = `<b id="bold-key">key</b>`;
    await server.app.client.startNew('HelloCity', 'Oslo', { instanceId: id });
    await server.app.client.waitForCompletion(id, { timeout: 10_000 });
    await post(`${server.api}/entities/Note/${encodeURIComponent(key)}/call/set`, 'x');
    const texts = (selector: string): Promise<string[]> => page.locator(selector).evaluateAll((cells) => cells.map((cell) => cell.textContent ?? ''));
    const xss = (): Promise<string | undefined> => page.evaluate(() => (globalThis as unknown as { __xss?: string }).__xss);
    await open('#/instances?prefix=xss-');
    await expect.poll(() => texts('[data-testid="instances-table"] tbody td:first-child')).toEqual([id]);
    expect(await page.locator('[data-testid="instances-table"] img').count()).toBe(0);
    await page.locator('[data-testid="instances-table"] tbody a').first().click();
    await expect.poll(() => page.locator('[data-testid="instance-status"]').textContent()).toBe('Completed');
    expect(await page.locator('.title-id').textContent()).toBe(id);
    expect(await page.locator('[data-view="instance"] img').count()).toBe(0);
    await page.goto(`${server.url}/#/entities/Note`);
    await expect.poll(() => texts('[data-testid="entity-keys"] tbody td:first-child')).toContain(key);
    expect(await page.locator('#bold-key').count()).toBe(0);
    await page.locator('[data-testid="entity-keys"] tbody a', { hasText: 'key</b>' }).click();
    await expect.poll(() => page.locator('[data-testid="entity-state"]').textContent()).toContain('"text": "x"');
    expect(await page.locator('#bold-key').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(await xss()).toBeUndefined();
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
