import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { curl, pollUntilDone, post, postRaw, request, startEmbeddedServer, type EmbeddedServer } from './http-harness';

describe('HTTP API: orchestrations (embedded engine)', () => {
  let server: EmbeddedServer;
  beforeEach(async () => {
    server = await startEmbeddedServer();
  });
  afterEach(() => server.dispose());

  it('starts an instance with 202, Location and the management URLs, then answers 202 until it completes with 200', async () => {
    const started = await post(`${server.api}/orchestrators/HelloCity`, 'Tokyo');
    expect(started.status).toBe(202);
    const id = started.json.id as string;
    const instance = `${server.api}/instances/${id}`;
    expect(started.headers.get('location')).toBe(instance);
    expect(started.headers.get('retry-after')).toBe('10');
    expect(started.json).toEqual({
      id,
      statusQueryGetUri: instance,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}`,
      terminatePostUri: `${instance}/terminate?reason={text}`,
      purgeHistoryDeleteUri: instance,
      suspendPostUri: `${instance}/suspend?reason={text}`,
      resumePostUri: `${instance}/resume?reason={text}`,
      rewindPostUri: `${instance}/rewind?reason={text}`,
      restartPostUri: `${instance}/restart`,
    });
    const done = await pollUntilDone(started.json.statusQueryGetUri);
    expect(done.status).toBe(200);
    expect(done.headers.get('location')).toBeNull();
    expect(done.json).toMatchObject({
      name: 'HelloCity',
      instanceId: id,
      runtimeStatus: 'Completed',
      input: 'Tokyo',
      customStatus: null,
      output: 'Hello Tokyo!',
    });
    expect(done.json.createdTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(done.json.lastUpdatedTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(done.json).not.toHaveProperty('historyEvents');
  });

  it('answers 202 with Location and Retry-After while the instance runs, with the query string kept', async () => {
    await post(`${server.api}/orchestrators/WaitForApproval/order-1`, { item: 'tea' });
    const url = `${server.api}/instances/order-1?showInput=false`;
    const running = await request(url);
    expect(running.status).toBe(202);
    expect(running.headers.get('location')).toBe(url);
    expect(running.headers.get('retry-after')).toBe('5');
    expect(running.json).toMatchObject({ instanceId: 'order-1', runtimeStatus: 'Running', input: null, customStatus: 'waiting', output: null });
  });

  it('starts with a chosen id and refuses a second start of a running id with 409, starting nothing', async () => {
    const first = await post(`${server.api}/orchestrators/WaitForApproval/order-2`, { n: 1 });
    expect(first.status).toBe(202);
    expect(first.json.id).toBe('order-2');
    const second = await post(`${server.api}/orchestrators/WaitForApproval/order-2`, { n: 2 });
    expect(second.status).toBe(409);
    expect(second.json.code).toBe('JETSTATE_ORCHESTRATION_ALREADY_EXISTS');
    expect((await server.client.getStatus('order-2'))!.input).toEqual({ n: 1 });
  });

  it('refuses an unknown orchestrator (400) and malformed JSON (400), and starts nothing', async () => {
    const unknown = await post(`${server.api}/orchestrators/NoSuchThing`, { a: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.json.code).toBe('JETSTATE_UNKNOWN_ORCHESTRATOR');
    expect(unknown.json.message).toContain('HelloCity');
    const malformed = await postRaw(`${server.api}/orchestrators/HelloCity/bad-json`, '{"city": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json.code).toBe('JETSTATE_HTTP_INVALID_JSON');
    const tooLong = await post(`${server.api}/orchestrators/HelloCity/${'x'.repeat(300)}`, 'Oslo');
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.code).toBe('JETSTATE_INVALID_OPTIONS');
    expect((await server.client.listInstances()).instances).toEqual([]);
  });

  it('answers 404 for an unknown instance and 400 for a query value of the wrong type', async () => {
    const missing = await request(`${server.api}/instances/nobody`);
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('JETSTATE_ORCHESTRATION_NOT_FOUND');
    await post(`${server.api}/orchestrators/HelloCity/h1`, 'Lima');
    const wrong = await request(`${server.api}/instances/h1?showHistory=yes`);
    expect(wrong.status).toBe(400);
    expect(wrong.json).toMatchObject({ code: 'JETSTATE_INVALID_OPTIONS' });
    expect(wrong.json.message).toContain('showHistory');
  });

  it('shows the history with showHistory, and activity results only with showHistoryOutput', async () => {
    await post(`${server.api}/orchestrators/HelloCity/h2`, 'Rome');
    await pollUntilDone(`${server.api}/instances/h2`);
    const withHistory = await request(`${server.api}/instances/h2?showHistory=true`);
    const kinds = (withHistory.json.historyEvents as { kind: string }[]).map((e) => e.kind);
    expect(kinds).toContain('TaskScheduled');
    const completed = (withHistory.json.historyEvents as { kind: string; result?: unknown }[]).find((e) => e.kind === 'TaskCompleted')!;
    expect(completed).not.toHaveProperty('result');
    const withOutput = await request(`${server.api}/instances/h2?showHistory=true&showHistoryOutput=true`);
    expect((withOutput.json.historyEvents as { kind: string; result?: unknown }[]).find((e) => e.kind === 'TaskCompleted')!.result).toBe('Hello Rome!');
  });

  it('answers a failed instance with 200, or 500 with returnInternalServerErrorOnFailure', async () => {
    await post(`${server.api}/orchestrators/AlwaysFails/f1`, 'no luck');
    const failed = await pollUntilDone(`${server.api}/instances/f1`);
    expect(failed.status).toBe(200);
    expect(failed.json).toMatchObject({ runtimeStatus: 'Failed', output: 'no luck', failureDetails: { name: 'RangeError', message: 'no luck' } });
    const as500 = await request(`${server.api}/instances/f1?returnInternalServerErrorOnFailure=true`);
    expect(as500.status).toBe(500);
    expect(as500.json.runtimeStatus).toBe('Failed');
  });

  it('lists instances with filters and pages through them with x-ms-continuation-token', async () => {
    for (const id of ['list-a', 'list-b', 'list-c']) await post(`${server.api}/orchestrators/HelloCity/${id}`, id);
    await post(`${server.api}/orchestrators/WaitForApproval/other-1`, {});
    for (const id of ['list-a', 'list-b', 'list-c']) await pollUntilDone(`${server.api}/instances/${id}`);
    const completed = await request(`${server.api}/instances?runtimeStatus=Completed&showInput=false`);
    expect(completed.status).toBe(200);
    expect((completed.json as { instanceId: string }[]).map((s) => s.instanceId).sort()).toEqual(['list-a', 'list-b', 'list-c']);
    expect((completed.json as { input: unknown }[]).every((s) => s.input === null)).toBe(true);
    const running = await request(`${server.api}/instances?runtimeStatus=Running,Pending`);
    expect((running.json as { instanceId: string }[]).map((s) => s.instanceId)).toEqual(['other-1']);
    const prefixed = await request(`${server.api}/instances?instanceIdPrefix=list-`);
    expect(prefixed.json).toHaveLength(3);

    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof request>> = await request(
        `${server.api}/instances?top=1&instanceIdPrefix=list-`,
        token ? { headers: { 'x-ms-continuation-token': token } } : {},
      );
      seen.push(...(page.json as { instanceId: string }[]).map((s) => s.instanceId));
      token = page.headers.get('x-ms-continuation-token');
    } while (token);
    expect(seen).toEqual(['list-a', 'list-b', 'list-c']);

    expect((await request(`${server.api}/instances?runtimeStatus=Done`)).json.code).toBe('JETSTATE_INVALID_OPTIONS');
    expect((await request(`${server.api}/instances?top=0`)).status).toBe(400);
    expect((await request(`${server.api}/instances?createdTimeFrom=yesterday`)).status).toBe(400);
  });

  it('runs start and poll from real curl', async () => {
    const started = await curl('-X', 'POST', `${server.api}/orchestrators/HelloCity`, '-H', 'Content-Type: application/json', '-d', '"Paris"');
    expect(started.status).toBe(202);
    const location = started.headers.get('location')!;
    expect(location).toBe(started.json.statusQueryGetUri);
    let status = await curl(location);
    for (let i = 0; status.status === 202 && i < 500; i++) status = await curl(location);
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ runtimeStatus: 'Completed', output: 'Hello Paris!' });
    // curl -d without a content type sends a form body: a start reads it as JSON all the same.
    const formTyped = await curl('-X', 'POST', `${server.api}/orchestrators/HelloCity/form-typed`, '-d', '"Bern"');
    expect(formTyped.status).toBe(202);
    expect((await pollUntilDone(`${server.api}/instances/form-typed`)).json.output).toBe('Hello Bern!');
  });
});
