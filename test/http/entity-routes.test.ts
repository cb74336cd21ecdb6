import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine';
import type { LockRequest } from '../../src/runtime/entity-locks';
import { eventually } from '../eventually';
import { Counter } from './fixtures/http-fixtures';
import { curl, post, postRaw, request, startEmbeddedServer, type EmbeddedServer } from './http-harness';

describe('HTTP API: entities (embedded engine)', () => {
  let server: EmbeddedServer;
  beforeEach(async () => {
    server = await startEmbeddedServer();
  });
  afterEach(() => server.dispose());

  const read = async (key: string): Promise<number | undefined> => (await server.client.entity(Counter, key).read()).entityState?.value;

  it('signals an operation (202), reads the state (200) and answers 404 for an entity without state', async () => {
    const signalled = await post(`${server.api}/entities/Counter/visits?op=add`, 5);
    expect(signalled.status).toBe(202);
    expect(signalled.text).toBe('');
    await eventually(async () => (await read('visits')) === 5);
    const state = await request(`${server.api}/entities/Counter/visits`);
    expect(state.status).toBe(200);
    expect(state.json).toEqual({ value: 5 });
    const missing = await request(`${server.api}/entities/Counter/nobody`);
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('JETSTATE_HTTP_ENTITY_NOT_FOUND');
  });

  it('refuses an unknown entity (404), unknown operation (404), missing op or bad key (400), malformed JSON (400), storing nothing', async () => {
    const unknownEntity = await post(`${server.api}/entities/Nope/k?op=add`, 1);
    expect(unknownEntity.status).toBe(404);
    expect(unknownEntity.json.code).toBe('JETSTATE_DEFINITION');
    const unknownOperation = await post(`${server.api}/entities/Counter/k?op=multiply`, 2);
    expect(unknownOperation.status).toBe(404);
    expect(unknownOperation.json.code).toBe('JETSTATE_UNKNOWN_OPERATION');
    expect(unknownOperation.json.message).toContain("'add'");
    const noOperation = await post(`${server.api}/entities/Counter/k`, 2);
    expect(noOperation.status).toBe(400);
    expect(noOperation.json.code).toBe('JETSTATE_INVALID_OPTIONS');
    const longKey = await post(`${server.api}/entities/Counter/${'k'.repeat(300)}?op=add`, 1);
    expect(longKey.status).toBe(400);
    expect(longKey.json.code).toBe('JETSTATE_INVALID_ENTITY_ID');
    const malformed = await postRaw(`${server.api}/entities/Counter/k?op=add`, '{');
    expect(malformed.status).toBe(400);
    expect(malformed.json.code).toBe('JETSTATE_HTTP_INVALID_JSON');
    await post(`${server.api}/entities/Counter/k?op=add`, 1);
    await eventually(async () => (await read('k')) === 1);
    expect((await server.client.listEntities()).entities.map((e) => e.id.key)).toEqual(['k']);
    expect(server.app.stats().applied).toBe(1);
  });

  it('calls an operation with its result (200); an operation that throws is 422 with the remote error', async () => {
    await post(`${server.api}/entities/Counter/c?op=add`, 40);
    const called = await post(`${server.api}/entities/Counter/c/call/add`, 2);
    expect(called.status).toBe(200);
    expect(called.json).toBeNull();
    const got = await post(`${server.api}/entities/Counter/c/call/get`);
    expect(got.status).toBe(200);
    expect(got.json).toBe(42);
    const failed = await postRaw(`${server.api}/entities/Counter/c/call/add`, 'two', { 'content-type': 'text/plain' });
    expect(failed.status).toBe(422);
    expect(failed.json).toMatchObject({ code: 'JETSTATE_OPERATION_FAILED', remoteName: 'TypeError', remoteMessage: 'add takes a number, got string' });
    expect((await post(`${server.api}/entities/Counter/c/call/nothing`)).status).toBe(404);
    expect(await read('c')).toBe(42);
  });

  it('deletes an entity with DELETE (202), after which it is 404', async () => {
    await post(`${server.api}/entities/Counter/gone?op=add`, 1);
    await eventually(async () => (await read('gone')) === 1);
    expect((await request(`${server.api}/entities/Counter/gone`, { method: 'DELETE' })).status).toBe(202);
    await eventually(async () => (await request(`${server.api}/entities/Counter/gone`)).status === 404);
  });

  it('lists entities, with state on fetchState=true, paged with x-ms-continuation-token', async () => {
    for (const key of ['a', 'b', 'c']) await post(`${server.api}/entities/Counter/${key}?op=add`, key.charCodeAt(0));
    await eventually(async () => (await server.client.listEntities()).entities.length === 3);
    const bare = await request(`${server.api}/entities/Counter`);
    expect(bare.status).toBe(200);
    expect(bare.json).toHaveLength(3);
    expect(bare.json[0]).toEqual({
      entityId: { name: 'Counter', key: 'a' },
      lastOperationTime: expect.stringMatching(/Z$/),
      lastModifiedTime: expect.stringMatching(/Z$/),
      backlogQueueSize: 0,
    });
    expect(bare.json[0].lastModifiedTime).toBe(bare.json[0].lastOperationTime);
    const withState = await request(`${server.api}/entities?fetchState=true`);
    expect((withState.json as { state: { value: number } }[]).map((e) => e.state.value)).toEqual([97, 98, 99]);
    const keys: string[] = [];
    let token: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof request>> = await request(
        `${server.api}/entities/Counter?top=2`,
        token ? { headers: { 'x-ms-continuation-token': token } } : {},
      );
      keys.push(...(page.json as { entityId: { key: string } }[]).map((e) => e.entityId.key));
      token = page.headers.get('x-ms-continuation-token');
    } while (token);
    expect(keys).toEqual(['a', 'b', 'c']);
    expect((await request(`${server.api}/entities/Counter?fetchState=maybe`)).status).toBe(400);
    expect((await request(`${server.api}/entities/Counter?lastOperationTimeFrom=soon`)).status).toBe(400);
  });

  it('lists the orchestration holding an entity lock (lockedBy) and the messages queued behind it (backlogQueueSize)', async () => {
    await post(`${server.api}/entities/Counter/held?op=add`, 1);
    await eventually(async () => (await read('held')) === 1);
    // The $lock message an orchestration's critical section sends, as if instance 'owner-1' held it.
    const engine = (server.app as unknown as { engine: Engine }).engine;
    const lock: LockRequest = {
      owner: 'owner-1',
      entities: [{ name: 'Counter', key: 'held' }],
      index: 0,
      grant: { target: { name: 'Counter', key: 'sink' }, operation: 'add', input: 0 },
    };
    await engine.send([{ id: 'test-lock-held', target: { name: 'Counter', key: 'held' }, operation: '$lock', kind: 'signal', input: lock }]);
    await eventually(async () => (await server.client.entity(Counter, 'held').read()).lockedBy === 'owner-1');
    await post(`${server.api}/entities/Counter/held?op=add`, 2);
    await post(`${server.api}/entities/Counter/held?op=add`, 3);
    await eventually(async () => (await server.client.entity(Counter, 'held').read()).backlogQueueSize === 2);
    const listed = await request(`${server.api}/entities/Counter`);
    expect((listed.json as { entityId: { key: string } }[]).find((e) => e.entityId.key === 'held')).toMatchObject({ lockedBy: 'owner-1', backlogQueueSize: 2 });
  });

  it('signals and reads from real curl, with -d sending a form body as text input', async () => {
    const signalled = await curl('-X', 'POST', `${server.api}/entities/Counter/curl?op=add`, '-H', 'Content-Type: application/json', '-d', '7');
    expect(signalled.status).toBe(202);
    await eventually(async () => (await read('curl')) === 7);
    const state = await curl(`${server.api}/entities/Counter/curl`);
    expect(state.status).toBe(200);
    expect(state.json).toEqual({ value: 7 });
    // Without a JSON content type the input is the text itself, which add refuses (the signal is logged as failed).
    const asText = await curl('-X', 'POST', `${server.api}/entities/Counter/curl/call/add`, '-d', '3');
    expect(asText.status).toBe(422);
    expect(asText.json.remoteMessage).toBe('add takes a number, got string');
  });
});
