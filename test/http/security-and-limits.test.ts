import 'reflect-metadata';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, InvalidOptionsError, STATUS_BY_CODE, HttpErrorCode, serveHttp } from '../../src/index';
import { Counter, slowCalls } from './fixtures/http-fixtures';
import { API, KEY, curl, post, request, startEmbeddedServer, type EmbeddedServer } from './http-harness';

describe('HTTP API: keys, refusals and limits (embedded engine)', () => {
  const servers: EmbeddedServer[] = [];
  const open = async (options: Parameters<typeof startEmbeddedServer>[0] = {}): Promise<EmbeddedServer> => {
    const server = await startEmbeddedServer(options);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.dispose();
  });

  it('with keys, answers 401 without a valid key and runs nothing', async () => {
    const server = await open({ keys: [KEY] });
    const none = await post(`${server.api}/orchestrators/HelloCity/k1`, 'Oslo');
    expect(none.status).toBe(401);
    expect(none.json.code).toBe('JETSTATE_HTTP_UNAUTHORIZED');
    const wrong = await post(`${server.api}/entities/Counter/k?op=add&code=not-the-key`, 1);
    expect(wrong.status).toBe(401);
    const wrongBearer = await post(`${server.api}/entities/Counter/k?op=add`, 1, { authorization: `Bearer ${KEY}x` });
    expect(wrongBearer.status).toBe(401);
    // Unknown routes and bodies too large are refused for the key first: nothing about the API leaks.
    expect((await request(`${server.api}/no/such/route`)).status).toBe(401);
    expect((await curl(`${server.api}/instances`)).status).toBe(401);
    expect((await server.client.listInstances()).instances).toEqual([]);
    expect((await server.client.listEntities()).entities).toEqual([]);
  });

  it('takes the key as ?code=, x-functions-key or Authorization: Bearer, and hands out URLs carrying it', async () => {
    const server = await open({ keys: ['another-key-0123456789', KEY] });
    const started = await post(`${server.api}/orchestrators/HelloCity/k2?code=${KEY}`, 'Oslo');
    expect(started.status).toBe(202);
    const code = `code=${KEY}`;
    expect(started.json.statusQueryGetUri).toBe(`${server.api}/instances/k2?${code}`);
    expect(started.json.terminatePostUri).toBe(`${server.api}/instances/k2/terminate?reason={text}&${code}`);
    expect(started.headers.get('location')).toBe(started.json.statusQueryGetUri);
    expect((await request(started.json.statusQueryGetUri)).status).toBeLessThan(300);
    expect((await request(`${server.api}/instances/k2`, { headers: { 'x-functions-key': KEY } })).status).toBeLessThan(300);
    expect((await request(`${server.api}/instances/k2`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBeLessThan(300);
    const byHeader = await post(`${server.api}/orchestrators/HelloCity/k3`, 'Rome', { 'x-functions-key': KEY });
    expect(byHeader.json.statusQueryGetUri).toBe(`${server.api}/instances/k3?${code}`);
  });

  it('refuses to listen beyond loopback without keys unless allowAnonymous, and checks its options', async () => {
    const server = await open();
    await expect(serveHttp(server.client, { port: 0, host: '0.0.0.0' })).rejects.toThrow(InvalidOptionsError);
    await expect(serveHttp(server.client, { port: 0, host: '0.0.0.0' })).rejects.toThrow(/allowAnonymous: true/);
    await expect(serveHttp(server.client, { port: 0, keys: [] })).rejects.toThrow(/keys must be/);
    await expect(serveHttp(server.client, { port: 0, keys: ['short'] })).rejects.toThrow(/at least 16/);
    await expect(serveHttp(server.client, { port: 0, bodyLimit: -1 })).rejects.toThrow(/bodyLimit/);
    await expect(serveHttp(server.client, { port: 0, prt: 1 } as never)).rejects.toThrow(/Unknown serveHttp option 'prt'/);
    for (const options of [{ host: '0.0.0.0', allowAnonymous: true }, { host: '0.0.0.0', keys: [KEY] }, { host: '::1' }, { host: 'localhost' }]) {
      const http = await serveHttp(server.client, { port: 0, ...options });
      try {
        const port = new URL(http.url).port;
        const reply = await request(`http://127.0.0.1:${port}${API}/instances`, { headers: { 'x-functions-key': KEY } }).catch(() => undefined);
        if (options.host !== '::1') expect(reply?.status).toBe(200);
      } finally {
        await http.close();
      }
    }
  });

  it('answers a body over bodyLimit with 413 and stores nothing', async () => {
    const server = await open({ bodyLimit: 1024 });
    const big = await post(`${server.api}/entities/Counter/big?op=add`, 'x'.repeat(2000));
    expect(big.status).toBe(413);
    expect(big.json.code).toBe('JETSTATE_PAYLOAD_TOO_LARGE');
    const bigStart = await post(`${server.api}/orchestrators/HelloCity/big`, 'y'.repeat(5000));
    expect(bigStart.status).toBe(413);
    expect((await post(`${server.api}/entities/Counter/small?op=add`, 1)).status).toBe(202);
    expect((await server.client.listInstances()).instances).toEqual([]);
    expect((await server.client.entity(Counter, 'big').read()).entityExists).toBe(false);
  });

  it('maps every jetstate error code to a status in one table', () => {
    for (const code of [...Object.values(ErrorCode), ...Object.values(HttpErrorCode)]) {
      expect(STATUS_BY_CODE[code], code).toBeGreaterThanOrEqual(400);
    }
  });

  it('closes gracefully: a request in flight finishes, then new connections are refused', async () => {
    const server = await open();
    const startedBefore = slowCalls.started;
    const slow = post(`${server.api}/entities/Counter/slow/call/slowAdd`, { amount: 3, delayMs: 400 });
    // Close only once the call is running: on a loaded machine the request can take longer than any fixed wait to arrive.
    await vi.waitFor(() => expect(slowCalls.started).toBeGreaterThan(startedBefore), { timeout: 10_000, interval: 5 });
    const closing = server.http.close();
    const reply = await slow;
    await closing;
    expect(reply.status).toBe(200);
    expect(reply.json).toBe(3);
    await expect(fetch(`${server.api}/instances`)).rejects.toThrow();
  });
});
