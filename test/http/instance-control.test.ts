import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flakiness } from './fixtures/http-fixtures';
import { pollUntilDone, post, postRaw, request, startEmbeddedServer, type EmbeddedServer } from './http-harness';

describe('HTTP API: events, commands and purges of instances (embedded engine)', () => {
  let server: EmbeddedServer;
  beforeEach(async () => {
    server = await startEmbeddedServer();
  });
  afterEach(() => server.dispose());

  const start = async (name: string, id: string, input: unknown = {}): Promise<string> => {
    const reply = await post(`${server.api}/orchestrators/${name}/${id}`, input);
    expect(reply.status).toBe(202);
    return `${server.api}/instances/${id}`;
  };

  it('raises an event (202) that completes the instance; then answers 410; 404 for an unknown instance', async () => {
    const instance = await start('WaitForApproval', 'r1');
    const raised = await post(`${instance}/raiseEvent/approval`, { by: 'ada' });
    expect(raised.status).toBe(202);
    expect(raised.text).toBe('');
    const done = await pollUntilDone(instance);
    expect(done.json).toMatchObject({ runtimeStatus: 'Completed', output: { approval: { by: 'ada' } } });
    const late = await post(`${instance}/raiseEvent/approval`, { by: 'bob' });
    expect(late.status).toBe(410);
    expect(late.json.code).toBe('JETSTATE_ORCHESTRATION_NOT_RUNNING');
    expect((await post(`${server.api}/instances/nobody/raiseEvent/approval`, 1)).status).toBe(404);
  });

  it('refuses an event body that is not JSON, or not sent as JSON, and delivers nothing', async () => {
    const instance = await start('WaitForApproval', 'r2');
    const malformed = await postRaw(`${instance}/raiseEvent/approval`, '{"by":');
    expect(malformed.status).toBe(400);
    expect(malformed.json.code).toBe('JETSTATE_HTTP_INVALID_JSON');
    const asText = await postRaw(`${instance}/raiseEvent/approval`, '"yes"', { 'content-type': 'text/plain' });
    expect(asText.status).toBe(400);
    expect(asText.json.code).toBe('JETSTATE_HTTP_UNSUPPORTED_MEDIA_TYPE');
    const status = await request(`${instance}?showHistory=true`);
    expect(status.json.runtimeStatus).toBe('Running');
    expect((status.json.historyEvents as { kind: string }[]).some((e) => e.kind === 'EventRaised')).toBe(false);
  });

  it('suspends, resumes and terminates with a reason (202 each); a command to an ended instance is 410', async () => {
    const instance = await start('WaitForApproval', 't1');
    expect((await post(`${instance}/suspend?reason=lunch`)).status).toBe(202);
    expect((await request(instance)).json.runtimeStatus).toBe('Suspended');
    expect((await post(`${instance}/resume?reason=back`)).status).toBe(202);
    expect((await request(instance)).json.runtimeStatus).toBe('Running');
    expect((await post(`${instance}/terminate?reason=not%20needed`)).status).toBe(202);
    const ended = await pollUntilDone(instance);
    expect(ended.json).toMatchObject({ runtimeStatus: 'Terminated', output: 'not needed' });
    for (const command of ['terminate', 'suspend', 'resume']) {
      const reply = await post(`${instance}/${command}`);
      expect(reply.status).toBe(410);
      expect(reply.json.code).toBe('JETSTATE_ORCHESTRATION_NOT_RUNNING');
    }
    expect((await post(`${server.api}/instances/nobody/terminate`)).status).toBe(404);
  });

  it('purges an ended instance (200, instancesDeleted 1), refuses a running one (412), 404 for an unknown one', async () => {
    const running = await start('WaitForApproval', 'p-running');
    const refused = await request(running, { method: 'DELETE' });
    expect(refused.status).toBe(412);
    expect(refused.json.code).toBe('JETSTATE_ORCHESTRATION_STILL_RUNNING');
    expect((await request(running)).status).toBe(202);

    const ended = await start('HelloCity', 'p-ended', 'Oslo');
    await pollUntilDone(ended);
    const purged = await request(ended, { method: 'DELETE' });
    expect(purged.status).toBe(200);
    expect(purged.json).toEqual({ instancesDeleted: 1 });
    expect((await request(ended)).status).toBe(404);
    expect((await request(ended, { method: 'DELETE' })).status).toBe(404);
  });

  it('purges by filter: only ended instances in the time range; 400 without createdTimeFrom; 404 when nothing matched', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    for (const id of ['f-1', 'f-2']) await pollUntilDone(await start('HelloCity', id, id));
    await start('WaitForApproval', 'f-running');
    const unfiltered = await request(`${server.api}/instances`, { method: 'DELETE' });
    expect(unfiltered.status).toBe(400);
    expect((await server.client.listInstances()).instances).toHaveLength(3);
    const wrongStatus = await request(`${server.api}/instances?createdTimeFrom=${from}&runtimeStatus=Running`, { method: 'DELETE' });
    expect(wrongStatus.status).toBe(400);
    expect(wrongStatus.json.code).toBe('JETSTATE_INVALID_OPTIONS');
    const purged = await request(`${server.api}/instances?createdTimeFrom=${from}`, { method: 'DELETE' });
    expect(purged.status).toBe(200);
    expect(purged.json).toEqual({ instancesDeleted: 2 });
    expect((await server.client.listInstances()).instances.map((s) => s.instanceId)).toEqual(['f-running']);
    const nothing = await request(`${server.api}/instances?createdTimeFrom=${from}&runtimeStatus=Completed`, { method: 'DELETE' });
    expect(nothing.status).toBe(404);
  });

  it('restarts an ended instance under a new id by default (202 with its URLs), or under its own id; refuses a running one (412)', async () => {
    const first = await start('HelloCity', 'rs', 'Kyiv');
    await pollUntilDone(first);
    const restarted = await post(`${first}/restart`);
    expect(restarted.status).toBe(202);
    const newId = restarted.json.id as string;
    expect(newId).not.toBe('rs');
    expect(restarted.headers.get('location')).toBe(`${server.api}/instances/${newId}`);
    expect((await pollUntilDone(restarted.json.statusQueryGetUri)).json).toMatchObject({ name: 'HelloCity', input: 'Kyiv', output: 'Hello Kyiv!' });
    const same = await post(`${first}/restart?restartWithNewInstanceId=false`);
    expect(same.json.id).toBe('rs');
    expect((await pollUntilDone(first)).json.runtimeStatus).toBe('Completed');
    const running = await start('WaitForApproval', 'rs-running');
    const refused = await post(`${running}/restart`);
    expect(refused.status).toBe(412);
    expect(refused.json.code).toBe('JETSTATE_ORCHESTRATION_STILL_RUNNING');
    expect((await post(`${server.api}/instances/nobody/restart`)).status).toBe(404);
  });

  it('rewinds only a Failed instance: 412 for a completed one, 404 for an unknown one', async () => {
    const done = await start('HelloCity', 'rw-done', 'Lima');
    await pollUntilDone(done);
    const refused = await post(`${done}/rewind?reason=again`);
    expect(refused.status).toBe(412);
    expect(refused.json.code).toBe('JETSTATE_ORCHESTRATION_NOT_FAILED');
    expect((await post(`${server.api}/instances/nobody/rewind`)).status).toBe(404);
    flakiness.failuresLeft = 1;
    const failed = await start('FlakyHello', 'rw-failed', 'Quito');
    expect((await pollUntilDone(failed)).json.runtimeStatus).toBe('Failed');
    const rewound = await post(`${failed}/rewind?reason=fixed`);
    expect(rewound.status).toBe(202);
    expect((await pollUntilDone(failed)).json).toMatchObject({ runtimeStatus: 'Completed', output: 'Hello again Quito!' });
  });

  it('answers an unknown route with 404 and a code', async () => {
    const unknown = await request(`${server.api}/nothing/here`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('JETSTATE_HTTP_ROUTE_NOT_FOUND');
    expect((await request(`${server.api}/orchestrators/HelloCity`)).status).toBe(404);
  });
});
