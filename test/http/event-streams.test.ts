import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventReader, KEY, post, startEmbeddedServer, type EmbeddedServer } from './http-harness';

describe('HTTP API: server-sent event streams (embedded engine)', () => {
  let server: EmbeddedServer;
  const readers: EventReader[] = [];
  beforeEach(async () => {
    server = await startEmbeddedServer({ keys: [KEY] });
  });
  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await server.dispose();
  });
  const open = async (url: string): Promise<EventReader> => {
    const reader = await EventReader.open(url);
    readers.push(reader);
    return reader;
  };
  const auth = { 'x-functions-key': KEY };

  it('streams the committed states of an entity: the current one, each later commit, and its deletion', async () => {
    await post(`${server.api}/entities/Counter/live/call/add`, 1, auth);
    const reader = await open(`${server.api}/entities/Counter/live/stream?code=${KEY}`);
    expect(reader.status).toBe(200);
    expect(reader.contentType).toMatch(/^text\/event-stream/);
    await reader.waitFor(1);
    await post(`${server.api}/entities/Counter/live/call/add`, 2, auth);
    await post(`${server.api}/entities/Counter/live/call/add`, 3, auth);
    await reader.waitFor(3);
    await post(`${server.api}/entities/Counter/live/call/delete`, undefined, auth);
    await reader.waitFor(4);
    expect(reader.events).toEqual([
      { event: 'state', data: { value: 1 } },
      { event: 'state', data: { value: 3 } },
      { event: 'state', data: { value: 6 } },
      { event: 'deleted', data: { entityId: { name: 'Counter', key: 'live' } } },
    ]);
  });

  it('streams the status of an instance until it ended, then ends the stream', async () => {
    await post(`${server.api}/orchestrators/WaitForApproval/watched`, {}, auth);
    const reader = await open(`${server.api}/instances/watched/stream?code=${KEY}`);
    await reader.waitFor(1);
    expect(reader.events[0]).toMatchObject({ event: 'status', data: { instanceId: 'watched', runtimeStatus: 'Running', customStatus: 'waiting' } });
    await post(`${server.api}/instances/watched/raiseEvent/approval`, 'yes', auth);
    await reader.waitForEnd();
    expect(reader.events.at(-1)).toMatchObject({ event: 'status', data: { runtimeStatus: 'Completed', output: { approval: 'yes' } } });
  });

  it('refuses a stream without a key (401), of an unknown instance (404) or entity class (404)', async () => {
    expect((await open(`${server.api}/entities/Counter/live/stream`)).status).toBe(401);
    expect((await open(`${server.api}/instances/nobody/stream?code=${KEY}`)).status).toBe(404);
    expect((await open(`${server.api}/entities/Nope/k/stream?code=${KEY}`)).status).toBe(404);
  });

  it('ends open streams when the server closes, and the close does not wait for them', async () => {
    const entity = await open(`${server.api}/entities/Counter/open/stream?code=${KEY}`);
    await post(`${server.api}/orchestrators/WaitForApproval/open`, {}, auth);
    const instance = await open(`${server.api}/instances/open/stream?code=${KEY}`);
    await instance.waitFor(1);
    const began = Date.now();
    await server.http.close();
    expect(Date.now() - began).toBeLessThan(2_000);
    await entity.waitForEnd();
    await instance.waitForEnd();
  });
});
