import 'reflect-metadata';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableApp, serveHttp, type HttpServer } from '../../src/index';
import type { Engine } from '../../src/engine/engine';
import type { LockRequest } from '../../src/runtime/entity-locks';
import { tempDir } from '../helpers';
import { APP_MODULE, BIN, KEY, cli, eventually, requireBuilt, startCli, startPty } from './cli-harness';
import { activities, entities, orchestrators } from './fixtures/cli-app';

describe('jetstate --url against an embedded app serving its HTTP API', { timeout: 90_000 }, () => {
  let app: DurableApp;
  let http: HttpServer;
  let dir: { path: string; remove: () => Promise<void> };
  const j = (...args: string[]) => cli(['--url', http.url, '--key', KEY, ...args]);

  beforeAll(async () => {
    requireBuilt();
    dir = await tempDir('jetstate-cli-http-');
    app = await DurableApp.create({ entities, orchestrators, activities, dataDir: dir.path, logger: { level: 'silent' } });
    await app.start();
    http = await serveHttp(app.client, { port: 0, keys: [KEY] });
  });

  afterAll(async () => {
    await http?.close();
    await app?.stop();
    await dir?.remove();
  });

  it('signals, calls, reads, lists and deletes entities with the same --json shapes as on NATS', async () => {
    const signaled = await j('signal', 'Counter/h1', 'add', '5', '--json');
    expect(signaled.code).toBe(0);
    expect(signaled.json()).toEqual({ signaled: true, entityId: { name: 'Counter', key: 'h1' }, operation: 'add' });
    expect((await j('call', 'Counter/h1', 'get', '--json')).json()).toEqual({ result: 5 });
    // What the CLI did is what the app holds.
    expect((await app.client.readEntityState({ name: 'Counter', key: 'h1' })).entityState).toMatchObject({ value: 5 });

    const read = await j('read', 'Counter/h1', '--json');
    expect(read.json()).toEqual({ entityId: { name: 'Counter', key: 'h1' }, state: { value: 5 } });
    const human = await j('read', 'Counter/h1');
    expect(human.stdout).toBe('{\n  "value": 5\n}\n');

    await j('call', 'Counter/h2', 'add', '1');
    const listed = (await j('list', 'Counter', '--state', '--json')).json() as { entityId: { key: string }; state: unknown }[];
    expect(listed.map((row) => row.entityId.key).sort()).toEqual(['h1', 'h2']);
    expect(listed.every((row) => row.state !== undefined)).toBe(true);
    const withoutState = (await j('list', '--json')).json() as Record<string, unknown>[];
    expect(withoutState.every((row) => !('state' in row))).toBe(true);

    expect((await j('delete', 'Counter/h2')).code).toBe(0);
    await eventually('deleted', async () => ((await app.client.readEntityState({ name: 'Counter', key: 'h2' })).entityExists ? undefined : true));
    expect((await j('read', 'Counter/h2')).code).toBe(1);
  });

  it('lists the orchestration holding an entity lock and the messages queued behind it', async () => {
    await j('call', 'Counter/locked', 'add', '1');
    // The $lock message an orchestration's critical section sends, as if instance 'owner-1' held it.
    const lock: LockRequest = {
      owner: 'owner-1',
      entities: [{ name: 'Counter', key: 'locked' }],
      index: 0,
      grant: { target: { name: 'Counter', key: 'sink' }, operation: 'add', input: 0 },
    };
    await (app as unknown as { engine: Engine }).engine.send([
      { id: 'cli-test-lock', target: { name: 'Counter', key: 'locked' }, operation: '$lock', kind: 'signal', input: lock },
    ]);
    await j('signal', 'Counter/locked', 'add', '2');
    await eventually('queued', async () => ((await app.client.readEntityState({ name: 'Counter', key: 'locked' })).backlogQueueSize === 1 ? true : undefined));

    const rows = (await j('list', 'Counter', '--json')).json() as { entityId: { key: string }; lockedBy?: string; backlogQueueSize: number }[];
    expect(rows.find((row) => row.entityId.key === 'locked')).toMatchObject({ lockedBy: 'owner-1', backlogQueueSize: 1 });
    expect(rows.filter((row) => row.entityId.key !== 'locked').every((row) => row.lockedBy === undefined && row.backlogQueueSize === 0)).toBe(true);
    const table = (await j('list', 'Counter')).stdout.split('\n');
    expect(table[0]).toMatch(/^ENTITY\s+KEY\s+LAST OPERATION\s+LOCKED BY\s+QUEUED\s*$/);
    expect(table.find((line) => line.includes(' locked '))).toMatch(/owner-1\s+1\s*$/);
  });

  it('answers unknown entities and operations, and operations that throw, with exit 1', async () => {
    // Independent commands: run side by side, each process is started on its own.
    const [unknownEntity, readUnknown, unknownOperation, thrown] = await Promise.all([
      j('call', 'Ghost/x', 'get', '--json'),
      j('read', 'Ghost/x'),
      j('signal', 'Counter/h1', 'multiply', '2'),
      j('call', 'Counter/h1', 'add', '"five"'),
    ]);
    expect(unknownEntity.code).toBe(1);
    expect(JSON.parse(unknownEntity.stderr)).toMatchObject({ error: { code: 'JETSTATE_DEFINITION' } });
    expect(readUnknown.code).toBe(1);
    expect(readUnknown.stderr).toContain("'Ghost'");
    expect(unknownOperation.code).toBe(1);
    expect(unknownOperation.stderr).toContain("no operation 'multiply'");
    expect(thrown.code).toBe(1);
    expect(thrown.stderr).toContain('add takes a number');
    expect(thrown.stderr.trim().split('\n')).toHaveLength(1);
    // The failed operation was rolled back.
    expect((await j('call', 'Counter/h1', 'get', '--json')).json()).toEqual({ result: 5 });
  });

  it('runs the instance commands over HTTP: start, wait, raise, status, instances, terminate, restart, purge', async () => {
    const started = await j('start', 'Approval', '{"n": 1}', '--id', 'web-1', '--json');
    expect(started.json()).toEqual({ instanceId: 'web-1' });
    const waiting = startCli(['--url', http.url, '--key', KEY, 'wait', 'web-1', '--json']);
    try {
      const running = await eventually('Running with its custom status', async () => {
        const status = (await j('status', 'web-1', '--json')).json();
        return status.customStatus ? status : undefined;
      });
      expect(running).toMatchObject({
        instanceId: 'web-1',
        name: 'Approval',
        runtimeStatus: 'Running',
        input: { n: 1 },
        customStatus: { step: 'waiting for approval' },
      });
      expect((await j('raise', 'web-1', 'approval', '{"by": "http"}')).code).toBe(0);
      expect(await waiting.exited()).toBe(0);
      expect(JSON.parse(waiting.lines[0]!)).toMatchObject({ runtimeStatus: 'Completed', output: { approvedBy: 'http', greeting: 'Hello http!' } });
    } finally {
      await waiting.stop('SIGKILL');
    }

    const done = await j('start', 'Hello', '"Cy"', '--id', 'web-2', '--wait', '--json');
    expect(done.code).toBe(0);
    expect(done.json()).toMatchObject({ runtimeStatus: 'Completed', output: 'Hello Cy!' });
    const history = (await j('status', 'web-2', '--history', '--json')).json();
    expect(history.historyEvents.length).toBeGreaterThan(2);

    await j('start', 'Approval', '--id', 'web-3');
    expect((await j('instances', '--status', 'Running', '--json')).json().map((s: { instanceId: string }) => s.instanceId)).toEqual(['web-3']);
    expect((await j('instances', '--prefix', 'web-', '--json')).json()).toHaveLength(3);
    expect((await j('purge', 'web-3')).code).toBe(1); // still running
    expect((await j('terminate', 'web-3', '--reason', 'done with it')).code).toBe(0);
    await eventually('terminated', async () => ((await j('status', 'web-3', '--json')).json().runtimeStatus === 'Terminated' ? true : undefined));
    expect((await j('status', 'web-3', '--json')).json().output).toBe('done with it');

    const restarted = await j('restart', 'web-2', '--json');
    expect(restarted.json()).toEqual({ instanceId: 'web-2' });
    expect((await j('wait', 'web-2', '--json')).json()).toMatchObject({ runtimeStatus: 'Completed' });

    expect((await j('purge', 'web-1', '--json')).json()).toEqual({ instancesDeleted: 1 });
    expect((await j('status', 'web-1')).code).toBe(1);
    const byFilter = await j('purge', '--status', 'Completed,Terminated', '--json');
    expect(byFilter.json()).toEqual({ instancesDeleted: 2 });
    expect((await j('instances', '--json')).json()).toEqual([]);
    // Nothing left to purge is not an error.
    expect((await j('purge', '--before', '1d', '--json')).json()).toEqual({ instancesDeleted: 0 });
  });

  it('colours tables when asked (FORCE_COLOR or a terminal), never with --no-color or --json', async () => {
    await j('start', 'Hello', '"Di"', '--id', 'colour-1', '--wait');
    const coloured = await cli(['--url', http.url, '--key', KEY, 'instances', '--prefix', 'colour-'], { FORCE_COLOR: '1' });
    expect(coloured.stdout).toContain('\u001b[32mCompleted\u001b[39m');
    expect(coloured.stdout).toContain('\u001b[1mINSTANCE');
    // Aligned on the visible width, not the escapes.
    const [header, row] = coloured.stdout.replace(/\u001b\[\d+m/g, '').split('\n');
    expect(row!.indexOf('Completed')).toBe(header!.indexOf('STATUS'));
    const plain = await cli(['--url', http.url, '--key', KEY, 'instances', '--prefix', 'colour-', '--no-color'], { FORCE_COLOR: '1' });
    expect(plain.stdout).not.toContain('\u001b[');
    const json = await cli(['--url', http.url, '--key', KEY, 'instances', '--prefix', 'colour-', '--json'], { FORCE_COLOR: '1' });
    expect(json.json()[0].runtimeStatus).toBe('Completed');
    await j('purge', 'colour-1');
  });

  it('on a terminal, wait shows a spinner with the live status and custom status, then the coloured final status', async () => {
    await j('start', 'Approval', '--id', 'tty-1');
    // `script` runs the command on a pseudo-terminal, so stdout and stderr are TTYs.
    const command = [process.execPath, BIN, '--url', http.url, '--key', KEY, 'wait', 'tty-1'].map((part) => `'${part}'`).join(' ');
    const onTerminal = startPty(command);
    try {
      await eventually('the spinner shows the custom status', async () =>
        onTerminal.output().includes('tty-1 Running  custom status: {"step":"waiting for') ? true : undefined,
      );
      await j('raise', 'tty-1', 'approval', '{"by": "tty"}');
      expect(await onTerminal.exited).toBe(0);
    } finally {
      onTerminal.kill();
    }
    const output = onTerminal.output();
    // Frames redrawn in place on one line, then cleared.
    expect(output).toMatch(/\r\u001b\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] tty-1 Running/);
    expect(output).toContain('\u001b[32mCompleted\u001b[39m');
    await j('purge', 'tty-1');
  });

  it('watches one entity over the event stream until Ctrl-C', async () => {
    await j('call', 'Counter/live', 'add', '1');
    const watching = startCli(['--url', http.url, '--key', KEY, 'watch', 'Counter/live', '--json']);
    try {
      await watching.waitForLine((line) => line.includes('"value":1'));
      await j('signal', 'Counter/live', 'add', '2');
      expect(JSON.parse(await watching.waitForLine((line) => line.includes('"value":3')))).toMatchObject({
        entityId: { name: 'Counter', key: 'live' },
        exists: true,
      });
    } finally {
      expect(await watching.stop('SIGINT')).toBe(0);
    }
  });

  it('refuses a wrong or missing key, an unreachable server, NATS-only commands and watching a whole name with exit 2', async () => {
    // Independent commands: run side by side, each process is started on its own.
    const [wrong, missing, fromEnvironment, unreachable, verbose, dlq, name] = await Promise.all([
      cli(['--url', http.url, '--key', 'wrong-key-wrong-key-wrong', 'list']),
      cli(['--url', http.url, 'read', 'Counter/h1', '--json']),
      cli(['read', 'Counter/h1'], { JETSTATE_URL: http.url, JETSTATE_KEY: KEY }),
      cli(['--url', 'http://127.0.0.1:9', 'list']),
      cli(['--url', 'http://127.0.0.1:9', 'list', '--verbose']),
      j('dlq', 'list'),
      j('watch', 'Counter'),
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('error: The HTTP API at ' + http.url + ' refused the key (401): pass one of its keys with --key or JETSTATE_KEY.\n');
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: 'JETSTATE_CLI_CONNECTION' } });
    // From the environment too.
    expect(fromEnvironment.code).toBe(0);

    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/^error: Cannot reach the HTTP API at http:\/\/127\.0\.0\.1:9 .*Check --url/);
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
    expect(verbose.stderr).toMatch(/\n\s+at /);

    expect(dlq.code).toBe(2);
    expect(dlq.stderr).toContain('--nats');
    expect(name.code).toBe(2);
    expect(name.stderr).toMatch(/^error: The HTTP API streams one entity at a time: watch Counter\/<key>.*\n$/);
  });
});

describe('jetstate worker on the embedded engine, serving its HTTP API', { timeout: 90_000 }, () => {
  it('hosts the module, is reached with --url, and stops gracefully on SIGINT keeping its state', async () => {
    requireBuilt();
    const dir = await tempDir('jetstate-cli-worker-');
    const dataDir = join(dir.path, 'data');
    try {
      const first = startCli(['worker', APP_MODULE, '--data-dir', dataDir, '--port', '0', '--key', KEY, '--json']);
      const ready = JSON.parse(await first.waitForLine((line) => line.startsWith('{'), 30_000));
      expect(ready).toMatchObject({ ready: true, engine: 'embedded', entities: ['Counter'] });
      expect((await cli(['--url', ready.url, '--key', KEY, 'call', 'Counter/kept', 'add', '9'])).code).toBe(0);
      expect(await first.stop('SIGINT')).toBe(0);
      // The server is gone with it.
      expect((await cli(['--url', ready.url, '--key', KEY, 'read', 'Counter/kept'])).code).toBe(2);

      const second = startCli(['worker', APP_MODULE, '--data-dir', dataDir, '--port', '0', '--key', KEY, '--json']);
      const again = JSON.parse(await second.waitForLine((line) => line.startsWith('{'), 30_000));
      const read = await cli(['--url', again.url, '--key', KEY, 'read', 'Counter/kept', '--json']);
      expect(read.json().state).toEqual({ value: 9 });
      expect(await second.stop('SIGTERM')).toBe(0);
    } finally {
      await dir.remove();
    }
  });
});
