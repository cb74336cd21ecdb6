import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, serveHttp, type InstanceCounts } from '../../src/index';
import { EventReader, KEY, post, request } from '../http/http-harness';
import { startDashboardServer, type DashboardServer } from './dashboard-harness';

describe('dashboard: the page, its headers, and the routes it reads (embedded app, real HTTP)', () => {
  let server: DashboardServer;
  const auth = { 'x-functions-key': KEY };
  beforeAll(async () => {
    server = await startDashboardServer({ keys: [KEY] });
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('serves the page at / without a key, with a strict content security policy and the API path in its config', async () => {
    const page = await request(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.text).toContain('content="{&quot;apiBasePath&quot;:&quot;/runtime/webhooks/durabletask&quot;,&quot;keysRequired&quot;:true}"');
    // Everything the page loads is on this server: no CDN.
    expect(page.text).not.toMatch(/https?:\/\//);
    const script = await request(`${server.url}/assets/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.text).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect((await request(`${server.url}/assets/app.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await request(`${server.url}/assets/nope.js`)).status).toBe(404);
    expect((await request(`${server.url}/assets/..%2Fdashboard-assets.ts`)).status).toBe(404);
  });

  it('keeps the data behind the key: the API routes the page reads answer 401 without one', async () => {
    for (const path of ['/stats', '/entity-names', '/instances', '/streams/instances', '/streams/stats']) {
      expect((await request(`${server.api}${path}`)).status, path).toBe(401);
    }
  });

  it('counts instances by status and lists entity names', async () => {
    await post(`${server.api}/orchestrators/HelloCity/count-1`, 'Oslo', auth);
    await post(`${server.api}/orchestrators/WaitForApproval/count-2`, {}, auth);
    await server.app.client.waitForCompletion('count-1', { timeout: 10_000 });
    const stats = await request(`${server.api}/stats`, { headers: auth });
    expect(stats.status).toBe(200);
    expect(stats.json.instances).toMatchObject({ Completed: 1, Running: 1, Failed: 0, total: 2 });
    expect(stats.json.partitions).toHaveLength(32);
    expect(stats.json.applied).toBeGreaterThan(0);
    expect((await request(`${server.api}/entity-names`, { headers: auth })).json).toEqual(['Counter', 'Note']);
  });

  it('filters GET /instances by orchestrator name, paging through the matches', async () => {
    for (let i = 0; i < 5; i++) await post(`${server.api}/orchestrators/AlwaysFails/named-${i}`, 'x', auth);
    const first = await request(`${server.api}/instances?name=AlwaysFails&top=3&showInput=false`, { headers: auth });
    expect(first.json.map((s: { instanceId: string }) => s.instanceId)).toEqual(['named-0', 'named-1', 'named-2']);
    const token = first.headers.get('x-ms-continuation-token')!;
    expect(token).toBeTruthy();
    const second = await request(`${server.api}/instances?name=AlwaysFails&top=3`, { headers: { ...auth, 'x-ms-continuation-token': token } });
    expect(second.json.map((s: { instanceId: string }) => s.instanceId)).toEqual(['named-3', 'named-4']);
    expect((await request(`${server.api}/instances?name=Nobody`, { headers: auth })).json).toEqual([]);
  });

  it('streams instance changes in batches: a new instance, its status changes and its purge', async () => {
    const reader = await EventReader.open(`${server.api}/streams/instances?code=${KEY}`);
    try {
      expect(reader.status).toBe(200);
      await post(`${server.api}/orchestrators/HelloCity/streamed`, 'Lima', auth);
      await server.app.client.waitForCompletion('streamed', { timeout: 10_000 });
      await expect
        .poll(
          () =>
            reader.events
              .flatMap((e) => e.data)
              .filter((c) => c.instanceId === 'streamed')
              .at(-1)?.runtimeStatus,
        )
        .toBe('Completed');
      const changes = reader.events.flatMap((e) => e.data);
      expect(reader.events.every((e) => e.event === 'changes')).toBe(true);
      expect(changes.find((c) => c.instanceId === 'streamed')).toMatchObject({ name: 'HelloCity', createdTime: expect.stringMatching(/Z$/) });
      await request(`${server.api}/instances/streamed`, { method: 'DELETE', headers: auth });
      await expect.poll(() => reader.events.flatMap((e) => e.data).some((c) => c.instanceId === 'streamed' && c.deleted === true)).toBe(true);
    } finally {
      reader.close();
    }
  });

  it('streams one instance only when asked with instanceId, starting with its current state', async () => {
    await post(`${server.api}/orchestrators/WaitForApproval/only-me`, {}, auth);
    const reader = await EventReader.open(`${server.api}/streams/instances?instanceId=only-me&code=${KEY}`);
    try {
      await reader.waitFor(1);
      await post(`${server.api}/orchestrators/HelloCity/not-me`, 'Rome', auth);
      await post(`${server.api}/instances/only-me/raiseEvent/approval`, 'ok', auth);
      await expect.poll(() => reader.events.flatMap((e) => e.data).at(-1)?.runtimeStatus).toBe('Completed');
      expect(new Set(reader.events.flatMap((e) => e.data).map((c) => c.instanceId))).toEqual(new Set(['only-me']));
    } finally {
      reader.close();
    }
  });

  it('streams the changed keys of one entity name in batches: new keys, later operations, deletions', async () => {
    const reader = await EventReader.open(`${server.api}/streams/entities/Note?code=${KEY}`);
    try {
      expect(reader.status).toBe(200);
      await post(`${server.api}/entities/Note/k-1?op=set`, 'one', auth);
      await post(`${server.api}/entities/Note/k-2?op=set`, 'two', auth);
      await post(`${server.api}/entities/Counter/not-a-note?op=add`, 1, auth);
      const changes = () => reader.events.flatMap((e) => e.data) as { key: string; lastOperationTime?: string; deleted?: true }[];
      await expect.poll(() => new Set(changes().map((c) => c.key))).toEqual(new Set(['k-1', 'k-2']));
      expect(reader.events.every((e) => e.event === 'changes')).toBe(true);
      expect(changes()[0]!.lastOperationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const seen = changes().length;
      await post(`${server.api}/entities/Note/k-1?op=remove`, null, auth);
      await expect.poll(() => changes().slice(seen)).toEqual([{ key: 'k-1', deleted: true }]);
    } finally {
      reader.close();
    }
  });

  it('streams stats every second with operations per second', async () => {
    const reader = await EventReader.open(`${server.api}/streams/stats?code=${KEY}`);
    try {
      await reader.waitFor(1);
      for (let i = 0; i < 20; i++) await post(`${server.api}/entities/Counter/rate?op=add`, 1, auth);
      await reader.waitFor(3, 5_000);
      expect(reader.events.every((e) => e.event === 'stats')).toBe(true);
      expect(reader.events.some((e) => e.data.operationsPerSecond > 0)).toBe(true);
      expect(reader.events.at(-1)!.data.instances.total).toBeGreaterThan(0);
      // Aggregates only: a count per status, never the instances themselves.
      const last = reader.events.at(-1)!.data;
      expect(Object.keys(last).sort()).toEqual([
        'applied',
        'backlog',
        'deadLettered',
        'failed',
        'haltedPartitions',
        'instances',
        'operationsPerSecond',
        'partitions',
        'scheduled',
        'time',
      ]);
      expect(Object.values(last.instances).every((value) => typeof value === 'number')).toBe(true);
    } finally {
      reader.close();
    }
  });

  it('keeps client.insights.instanceCounts$ current from the change stream after one scan', async () => {
    const values: InstanceCounts[] = [];
    const subscription = server.app.client.insights.instanceCounts$().subscribe((counts) => values.push(counts));
    try {
      await expect.poll(() => values.length).toBeGreaterThan(0);
      const before = values[0]!;
      await post(`${server.api}/orchestrators/WaitForApproval/counted`, {}, auth);
      await expect.poll(() => values.at(-1)!.total).toBe(before.total + 1);
      expect(values.at(-1)!.Running).toBe(before.Running + 1);
      await post(`${server.api}/instances/counted/raiseEvent/approval`, 'ok', auth);
      await expect.poll(() => values.at(-1)!.Completed).toBe(before.Completed + 1);
      expect(values.at(-1)!.Running).toBe(before.Running);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('shares one count among all subscribers: a second one gets the current counts at once, without a scan of its own', async () => {
    const first: InstanceCounts[] = [];
    const subscription = server.app.client.insights.instanceCounts$().subscribe((counts) => first.push(counts));
    try {
      await expect.poll(() => first.length).toBeGreaterThan(0);
      // A scan reads storage, which cannot answer synchronously: a value delivered during
      // subscribe() comes from the count already kept.
      let late: InstanceCounts | undefined;
      server.app.client.insights
        .instanceCounts$()
        .subscribe((counts) => (late = counts))
        .unsubscribe();
      expect(late).toEqual(first.at(-1));
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe('dashboard: options', () => {
  it('refuses a dashboard that is not a boolean, or one whose API would be mounted at /', async () => {
    const client = {} as never;
    await expect(serveHttp(client, { port: 0, dashboard: 'yes' as never })).rejects.toThrow(InvalidOptionsError);
    await expect(serveHttp(client, { port: 0, dashboard: true, basePath: '' })).rejects.toThrow(/basePath of its own/);
  });

  it('serves no page without dashboard: true', async () => {
    const server = await startDashboardServer();
    try {
      await server.http.close();
      server.http = await serveHttp(server.app.client, { port: 0 });
      expect((await request(`${server.http.url}/`)).status).toBe(404);
    } finally {
      await server.dispose();
    }
  });
});
