import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAsyncHttpApi, work } from '../../examples/async-http-api';
import { tempDir } from '../helpers';

const execFileAsync = promisify(execFile);

/** Runs one of the overview's curl lines (host aside) and splits what `-i` printed. */
async function curl(line: string): Promise<{ status: number; headers: string; body: string }> {
  const args = line
    .match(/"[^"]*"|\S+/g)!
    .slice(1)
    .map((arg) => arg.replace(/^"|"$/g, ''));
  const { stdout } = await execFileAsync('curl', ['-s', ...args]);
  const split = stdout.indexOf('\r\n\r\n');
  const headers = stdout.slice(0, split);
  return { status: Number(headers.split(' ')[1]), headers, body: stdout.slice(split + 4) };
}

describe('example: async HTTP APIs (pattern #3) with real curl', () => {
  let server: { url: string; close: () => Promise<void> };
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    work.durationMs = 600;
    dir = await tempDir('jetstate-async-http-');
    server = await startAsyncHttpApi({ port: 0, dataDir: dir.path });
  });
  afterEach(async () => {
    await server.close();
    await dir.remove();
  });

  it('runs the curl lines of the Durable Functions overview: 202 and Location, then 202 while running, then 200', async () => {
    const host = server.url.replace('127.0.0.1', 'localhost');
    const started = await curl(`curl -X POST ${host}/api/orchestrators/DoWork -H "Content-Length: 0" -i`);
    expect(started.status).toBe(202);
    const payload = JSON.parse(started.body) as { id: string; statusQueryGetUri: string };
    const location = /^location: (.*)$/im.exec(started.headers)![1]!.trim();
    expect(location).toBe(`${host}/runtime/webhooks/durabletask/instances/${payload.id}`);
    expect(payload.statusQueryGetUri).toBe(location);
    expect(started.headers).toMatch(/^content-type: application\/json/im);

    const running = await curl(`curl ${host}/runtime/webhooks/durabletask/instances/${payload.id} -i`);
    expect(running.status).toBe(202);
    expect(JSON.parse(running.body)).toMatchObject({ runtimeStatus: 'Running', customStatus: 'working' });
    expect(running.headers).toMatch(/^location: /im);

    let done = running;
    for (let i = 0; done.status === 202 && i < 200; i++) {
      await delay(50);
      done = await curl(`curl ${host}/runtime/webhooks/durabletask/instances/${payload.id} -i`);
    }
    expect(done.status).toBe(200);
    expect(JSON.parse(done.body)).toMatchObject({ name: 'DoWork', runtimeStatus: 'Completed', output: 'done: null' });
  });

  it('passes a JSON body as the input', async () => {
    work.durationMs = 0;
    const started = await curl(`curl -X POST ${server.url}/api/orchestrators/DoWork -H "Content-Type: application/json" -d {"job":7} -i`);
    expect(started.status).toBe(202);
    const location = /^location: (.*)$/im.exec(started.headers)![1]!.trim();
    let done = await curl(`curl ${location} -i`);
    for (let i = 0; done.status === 202 && i < 200; i++) {
      await delay(25);
      done = await curl(`curl ${location} -i`);
    }
    expect(JSON.parse(done.body)).toMatchObject({ runtimeStatus: 'Completed', input: { job: 7 }, output: 'done: {"job":7}' });
  });
});
