import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableClient, serveHttp, type HttpServer } from '../../src/index';
import { tempDir } from '../helpers';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { startHttpWorker, stopHttpWorker } from './http-worker-process';
import { API, EventReader, KEY, curl, pollUntilDone, post, request } from './http-harness';

const HUB = 'http-api';

describe('HTTP API in a client-only process in front of a NATS hub (worker in another process)', () => {
  let nats: NatsServer;
  let worker: ChildProcess;
  let client: DurableClient;
  let http: HttpServer;
  let api: string;
  let removeDir: () => Promise<void>;

  beforeAll(async () => {
    const dir = await tempDir('jetstate-http-nats-');
    removeDir = dir.remove;
    nats = await startNatsServer();
    worker = await startHttpWorker(nats.url, HUB, join(dir.path, 'worker'));
    client = await DurableClient.connect({ nats: nats.url, hub: HUB, logger: { level: 'silent' } });
    http = await serveHttp(client, { port: 0, keys: [KEY] });
    api = `${http.url}${API}`;
  }, 60_000);

  afterAll(async () => {
    await http?.close();
    await client?.close();
    await stopHttpWorker(worker);
    await nats?.dispose();
    await removeDir?.();
  }, 30_000);

  const auth = { 'x-functions-key': KEY };

  it('starts an orchestration with curl and polls it to completion; the activity ran in the worker', async () => {
    const started = await curl('-X', 'POST', `${api}/orchestrators/HelloCity?code=${KEY}`, '-H', 'Content-Type: application/json', '-d', '"Nairobi"');
    expect(started.status).toBe(202);
    expect(started.json.statusQueryGetUri).toContain(`code=${KEY}`);
    const done = await pollUntilDone(started.json.statusQueryGetUri, 30_000);
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ name: 'HelloCity', runtimeStatus: 'Completed', output: 'Hello Nairobi!' });
  });

  it('signals, calls and reads entities; the worker refuses an unknown operation (404, with its reason)', async () => {
    expect((await post(`${api}/entities/Counter/n1?op=add`, 4, auth)).status).toBe(202);
    const called = await post(`${api}/entities/Counter/n1/call/add`, 1, auth);
    expect(called.status).toBe(200);
    const state = await request(`${api}/entities/Counter/n1`, { headers: auth });
    expect(state.json).toEqual({ value: 5 });
    const unknown = await post(`${api}/entities/Counter/n1/call/multiply`, 2, auth);
    // A client-only process does not know the class: the worker refuses the message, and says why.
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('JETSTATE_MESSAGE_REJECTED');
    expect(unknown.json.remoteName).toBe('MessageRejected');
    expect(unknown.json.remoteMessage).toContain("no operation 'multiply'");
    const failing = await post(`${api}/entities/Counter/n1/call/add`, 'x', auth);
    expect(failing.status).toBe(422);
    expect(failing.json.remoteName).toBe('TypeError');
    expect((await request(`${api}/entities/Counter/never`, { headers: auth })).status).toBe(404);
  });

  it('raises events, answers 404 / 410 / 401 and streams an instance status', async () => {
    await post(`${api}/orchestrators/WaitForApproval/nats-w1`, {}, auth);
    const reader = await EventReader.open(`${api}/instances/nats-w1/stream?code=${KEY}`);
    try {
      await reader.waitFor(1, 20_000);
      expect((await post(`${api}/instances/nats-w1/raiseEvent/approval`, 'ok', auth)).status).toBe(202);
      await reader.waitForEnd(20_000);
      expect(reader.events.at(-1)).toMatchObject({ data: { runtimeStatus: 'Completed', output: { approval: 'ok' } } });
    } finally {
      reader.close();
    }
    expect((await post(`${api}/instances/nats-w1/raiseEvent/approval`, 'late', auth)).status).toBe(410);
    expect((await request(`${api}/instances/nobody`, { headers: auth })).status).toBe(404);
    expect((await request(`${api}/instances/nats-w1`)).status).toBe(401);
    const purged = await request(`${api}/instances/nats-w1`, { method: 'DELETE', headers: auth });
    expect(purged.json).toEqual({ instancesDeleted: 1 });
  });

  it('accepts a start of an orchestrator it does not know (202); the worker, which does, fails the instance', async () => {
    const started = await post(`${api}/orchestrators/NoSuchOrchestrator/nats-unknown`, {}, auth);
    expect(started.status).toBe(202);
    const done = await pollUntilDone(`${api}/instances/nats-unknown?code=${KEY}`, 20_000);
    expect(done.json).toMatchObject({ runtimeStatus: 'Failed', failureDetails: { code: 'JETSTATE_UNKNOWN_ORCHESTRATOR' } });
  });
});
