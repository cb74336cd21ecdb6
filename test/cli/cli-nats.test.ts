import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { APP_MODULE, KEY, cli, eventually, requireBuilt, startCli, type RunningCli } from './cli-harness';

const HUB = 'cli-hub';

// Every step is a new process: allow for a loaded machine.
describe('jetstate against a NATS hub (client-only), with `jetstate worker` hosting the classes in another process', { timeout: 120_000 }, () => {
  let nats: NatsServer;
  let worker: RunningCli;
  let dir: { path: string; remove: () => Promise<void> };
  let env: Record<string, string>;
  const j = (...args: string[]) => cli(['--nats', nats.url, '--hub', HUB, ...args]);

  beforeAll(async () => {
    requireBuilt();
    dir = await tempDir('jetstate-cli-nats-');
    nats = await startNatsServer();
    env = { JETSTATE_NATS: nats.url, JETSTATE_HUB: HUB };
    worker = startCli(['worker', APP_MODULE, '--nats', nats.url, '--hub', HUB, '--data-dir', join(dir.path, 'worker'), '--json']);
    const ready = JSON.parse(await worker.waitForLine((line) => line.startsWith('{'), 30_000));
    expect(ready).toMatchObject({
      ready: true,
      engine: 'nats',
      entities: ['Counter'],
      orchestrators: ['Hello', 'Approval', 'Guarded'],
      activities: ['Greetings'],
    });
  }, 60_000);

  afterAll(async () => {
    const code = await worker?.stop('SIGTERM');
    await nats?.dispose();
    await dir?.remove();
    // The worker stops gracefully on SIGTERM: exit 0, after saying so on stderr.
    expect(code).toBe(0);
  }, 30_000);

  it('signals, calls, reads and lists entities; --json has stable shapes', async () => {
    const signaled = await j('signal', 'Counter/alpha', 'add', '5', '--json');
    expect(signaled.code).toBe(0);
    expect(signaled.json()).toEqual({ signaled: true, entityId: { name: 'Counter', key: 'alpha' }, operation: 'add' });

    const called = await j('call', 'Counter/alpha', 'add', '2');
    expect(called.code).toBe(0);
    // Reads after the call returned: run side by side, each process is started on its own.
    const [result, human, read] = await Promise.all([
      j('call', 'Counter/alpha', 'get', '--json'),
      j('call', 'Counter/alpha', 'get'),
      j('read', 'Counter/alpha', '--json'),
    ]);
    expect(result.json()).toEqual({ result: 7 });
    expect(human.stdout.trim()).toBe('7');

    expect(read.code).toBe(0);
    expect(read.json()).toEqual({ entityId: { name: 'Counter', key: 'alpha' }, state: { value: 7 } });

    await j('call', 'Counter/beta', 'add', '1');
    // Reads of the same state: run side by side, each process is started on its own.
    const [listed, table, since, recent] = await Promise.all([
      j('list', 'Counter', '--state', '--json'),
      j('list', 'Counter', '--state'),
      // --since in the future: nothing operated on since then.
      j('list', 'Counter', '--since', new Date(Date.now() + 3_600_000).toISOString(), '--json'),
      j('list', 'Counter', '--since', '1h', '--json'),
    ]);
    expect(listed.code).toBe(0);
    const rows = listed.json() as { entityId: { key: string }; state: unknown; lastOperationTime: string }[];
    expect(rows.map((row) => row.entityId.key).sort()).toEqual(['alpha', 'beta']);
    expect(rows.find((row) => row.entityId.key === 'alpha')!.state).toEqual({ value: 7 });
    expect(Number.isFinite(Date.parse(rows[0]!.lastOperationTime))).toBe(true);

    expect(table.stdout.split('\n')[0]).toMatch(/^ENTITY\s+KEY\s+LAST OPERATION\s+STATE$/);
    expect(table.stdout).toMatch(/Counter\s+alpha\s+\S+\s+\{"value":7\}/);

    expect(since.json()).toEqual([]);
    expect(recent.json()).toHaveLength(2);
  });

  it('takes the connection from JETSTATE_NATS and JETSTATE_HUB', async () => {
    await j('call', 'Counter/env', 'add', '3');
    const read = await cli(['read', 'Counter/env', '--json'], env);
    expect(read.code).toBe(0);
    expect(read.json().state).toEqual({ value: 3 });
  });

  it('reports an operation that fails with exit 1 and a one-line error, and a missing entity state with exit 1', async () => {
    // Independent commands: run side by side, each process is started on its own.
    const [unknownOperation, badInput, unknownEntity, missing] = await Promise.all([
      j('call', 'Counter/alpha', 'multiply', '2'),
      j('call', 'Counter/alpha', 'add', '"five"', '--json'),
      j('call', 'Ghost/one', 'get'),
      j('read', 'Counter/never'),
    ]);
    expect(unknownOperation.code).toBe(1);
    expect(unknownOperation.stderr).toMatch(/^error: .*multiply.*dead-letter/);
    expect(unknownOperation.stderr.trim().split('\n')).toHaveLength(1);

    expect(badInput.code).toBe(1);
    expect(JSON.parse(badInput.stderr)).toMatchObject({ error: { code: 'JETSTATE_OPERATION_FAILED' } });
    expect(badInput.stderr).toContain('add takes a number');

    expect(unknownEntity.code).toBe(1);
    expect(unknownEntity.stderr).toContain("unknown entity 'Ghost'");

    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Counter/never has no state');
  });

  it('watches one entity and every entity of a name until Ctrl-C, one JSON line per change', async () => {
    await j('call', 'Counter/watched', 'add', '1');
    const one = startCli(['watch', 'Counter/watched', '--json'], env);
    const all = startCli(['watch', 'Counter'], env);
    try {
      // The current state first.
      expect(JSON.parse(await one.waitForLine((line) => line.includes('"value":1')))).toMatchObject({
        entityId: { name: 'Counter', key: 'watched' },
        exists: true,
        state: { value: 1 },
      });
      // The name-wide stream follows changes from when it starts: signal until it has seen one.
      await eventually('the name-wide watch saw a change', async () => {
        await j('signal', 'Counter/other', 'add', '10');
        return all.lines.find((line) => / Counter\/other \{"value":\d+\}$/.test(line));
      });
      await j('call', 'Counter/watched', 'add', '1');
      await one.waitForLine((line) => line.includes('"value":2'));
      await all.waitForLine((line) => line.endsWith('Counter/watched {"value":2}'));
      await j('delete', 'Counter/watched');
      expect(JSON.parse(await one.waitForLine((line) => line.includes('"exists":false')))).toMatchObject({ entityId: { key: 'watched' }, exists: false });
      await all.waitForLine((line) => line.endsWith('Counter/watched deleted'));
    } finally {
      expect(await one.stop('SIGINT')).toBe(0);
      expect(await all.stop('SIGINT')).toBe(0);
    }
  });

  it('deletes an entity', async () => {
    await j('call', 'Counter/gone', 'add', '1');
    const deleted = await j('delete', 'Counter/gone', '--json');
    expect(deleted.code).toBe(0);
    expect(deleted.json()).toEqual({ deleted: true, entityId: { name: 'Counter', key: 'gone' } });
    await eventually('the state is deleted', async () => ((await j('read', 'Counter/gone')).code === 1 ? true : undefined));
  });

  it('starts an instance and waits for it, prints its status with history, and lists instances by status and prefix', async () => {
    const started = await j('start', 'Hello', '"Ann"', '--id', 'hello-1', '--wait', '--json');
    expect(started.code).toBe(0);
    expect(started.json()).toMatchObject({ instanceId: 'hello-1', name: 'Hello', runtimeStatus: 'Completed', input: 'Ann', output: 'Hello Ann!' });

    const [status, human] = await Promise.all([j('status', 'hello-1', '--history', '--json'), j('status', 'hello-1')]);
    expect(status.code).toBe(0);
    const events = status.json().historyEvents as { kind: string }[];
    expect(events.map((event) => event.kind)).toEqual(expect.arrayContaining(['ExecutionStarted', 'TaskScheduled', 'TaskCompleted', 'ExecutionCompleted']));

    expect(human.stdout).toMatch(/status\s+Completed/);
    expect(human.stdout).toMatch(/output\s+Hello Ann!/);

    const noWait = await j('start', 'Hello', '"Bo"', '--json');
    const id = noWait.json().instanceId as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    await j('start', 'Approval', '--id', 'other-1');
    const completed = await j('instances', '--status', 'completed', '--prefix', 'hello-', '--json');
    expect(completed.code).toBe(0);
    expect((completed.json() as { instanceId: string }[]).map((s) => s.instanceId)).toEqual(['hello-1']);
    const running = await j('instances', '--status', 'Running', '--json');
    expect((running.json() as { instanceId: string }[]).map((s) => s.instanceId)).toContain('other-1');
    const table = await j('instances', '--prefix', 'other-');
    expect(table.stdout).toMatch(/^INSTANCE\s+ORCHESTRATOR\s+STATUS\s+CREATED\s+UPDATED\s+CUSTOM STATUS\n/);
    expect(table.stdout).toMatch(/other-1\s+Approval\s+Running\s+.*\{"step":"waiting for approval"\}/);
    await j('terminate', 'other-1');

    const unknown = await j('status', 'no-such-instance');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("No orchestration instance 'no-such-instance'");
  });

  it('waits with the live status and custom status, raises the event, and exits 0 once completed', async () => {
    await j('start', 'Approval', '{"amount": 5}', '--id', 'approval-1');
    const waiting = startCli(['wait', 'approval-1'], env);
    try {
      await eventually('wait shows the custom status', async () =>
        waiting.stderr().includes('approval-1 Running  custom status: {"step":"waiting for approval"}') ? true : undefined,
      );
      const raised = await j('raise', 'approval-1', 'approval', '{"by": "ann"}', '--json');
      expect(raised.code).toBe(0);
      expect(raised.json()).toEqual({ instanceId: 'approval-1', raised: 'approval' });
      expect(await waiting.exited()).toBe(0);
      expect(waiting.lines.join('\n')).toMatch(/output\s+\{"approvedBy":"ann","greeting":"Hello ann!"\}/);
    } finally {
      await waiting.stop('SIGKILL');
    }
    // A timeout is exit 1 and says the instance goes on.
    await j('start', 'Approval', '--id', 'approval-2');
    const timedOut = await j('wait', 'approval-2', '--timeout', '0.5');
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toContain('did not end within 0.5 s');
    const unknown = await j('wait', 'nobody');
    expect(unknown.code).toBe(1);
  });

  it('suspends, resumes and terminates with a reason; wait exits 1 for a terminated instance', async () => {
    await j('start', 'Approval', '--id', 'control-1');
    expect((await j('suspend', 'control-1', '--reason', 'night')).code).toBe(0);
    await eventually('suspended', async () => ((await j('status', 'control-1', '--json')).json().runtimeStatus === 'Suspended' ? true : undefined));
    expect((await j('resume', 'control-1')).code).toBe(0);
    await eventually('running again', async () => ((await j('status', 'control-1', '--json')).json().runtimeStatus === 'Running' ? true : undefined));
    const terminated = await j('terminate', 'control-1', '--reason', 'asked by support', '--json');
    expect(terminated.json()).toEqual({ instanceId: 'control-1', action: 'terminate' });
    const waited = await j('wait', 'control-1', '--json');
    expect(waited.code).toBe(1);
    expect(waited.json()).toMatchObject({ runtimeStatus: 'Terminated', output: 'asked by support' });
    // Raising on an ended instance is refused: exit 1.
    const late = await j('raise', 'control-1', 'approval');
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/^error: /);
  });

  it('rewinds a failed instance, restarts an ended one, and purges by id and by filter', async () => {
    const block = join(dir.path, 'block');
    await writeFile(block, 'x');
    const failed = await j('start', 'Guarded', JSON.stringify(block), '--id', 'guarded-1', '--wait');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/status\s+Failed/);
    await rm(block);
    expect((await j('rewind', 'guarded-1', '--reason', 'unblocked')).code).toBe(0);
    const rewound = await j('wait', 'guarded-1', '--json');
    expect(rewound.code).toBe(0);
    expect(rewound.json()).toMatchObject({ runtimeStatus: 'Completed', output: 'passed' });
    // Rewinding a completed instance is refused.
    expect((await j('rewind', 'guarded-1')).code).toBe(1);

    const again = await j('restart', 'guarded-1', '--new-id', '--json');
    expect(again.code).toBe(0);
    const newId = again.json().instanceId as string;
    expect(newId).not.toBe('guarded-1');
    expect((await j('wait', newId, '--json')).json()).toMatchObject({ runtimeStatus: 'Completed', input: block });

    const purged = await j('purge', 'guarded-1', '--json');
    expect(purged.json()).toEqual({ instancesDeleted: 1 });
    expect((await j('status', 'guarded-1')).code).toBe(1);
    expect((await j('purge', 'guarded-1')).code).toBe(1);

    const byFilter = await j('purge', '--status', 'Completed', '--before', '0s', '--json');
    expect(byFilter.code).toBe(0);
    expect(byFilter.json().instancesDeleted).toBeGreaterThanOrEqual(2);
    expect((await j('instances', '--status', 'Completed', '--json')).json()).toEqual([]);
    // A running status cannot be purged.
    const running = await j('purge', '--status', 'Running');
    expect(running.code).toBe(2);
  });

  it('lists, shows, replays and purges dead letters', async () => {
    await j('dlq', 'purge');
    // Unknown to every worker: signals are accepted and dead-lettered by the worker.
    await j('signal', 'Ghost/a', 'poke', '1');
    await j('signal', 'Ghost/b', 'poke', '2');
    const letters = await eventually('two dead letters', async () => {
      const listed = (await j('dlq', 'list', '--json')).json() as { seq: number; reason: string; originalSubject: string; time: string; body: string }[];
      return listed.length === 2 ? listed : undefined;
    });
    expect(letters[0]!.reason).toBe("unknown entity 'Ghost'");
    expect(letters[0]!.originalSubject).toMatch(new RegExp(`^${HUB}\\.w\\.\\d+\\.Ghost\\.a$`));

    const [table, shown, unknownLetter] = await Promise.all([
      j('dlq', 'list'),
      j('dlq', 'show', String(letters[0]!.seq), '--json'),
      j('dlq', 'show', '999999'),
    ]);
    expect(table.stdout).toMatch(/^SEQ\s+TIME\s+SUBJECT\s+REASON\n/);
    expect(JSON.parse(shown.json().body)).toMatchObject({ target: { name: 'Ghost', key: 'a' }, operation: 'poke', input: 1 });
    expect(unknownLetter.code).toBe(1);

    // Replayed to the original subject: still unknown there, so each comes back with a new seq.
    const one = await j('dlq', 'replay', String(letters[0]!.seq), '--json');
    expect(one.json()).toEqual({ replayed: 1 });
    const all = await j('dlq', 'replay', '--all', '--json');
    expect(all.code).toBe(0);
    expect(all.json().replayed).toBeGreaterThanOrEqual(1);
    const back = await eventually('the replayed letters are dead-lettered again', async () => {
      const listed = (await j('dlq', 'list', '--json')).json() as { seq: number }[];
      return listed.length === 2 ? listed : undefined;
    });
    expect(Math.min(...back.map((letter) => letter.seq))).toBeGreaterThan(Math.max(...letters.map((letter) => letter.seq)));

    const purged = await j('dlq', 'purge', '--json');
    expect(purged.json()).toEqual({ purged: 2 });
    expect((await j('dlq', 'list', '--json')).json()).toEqual([]);
    expect((await j('dlq', 'replay')).code).toBe(2);
  });

  it('serves the HTTP API and the dashboard in front of the hub (jetstate serve), reached with --url and a key', async () => {
    const serve = startCli(['serve', '--nats', nats.url, '--hub', HUB, '--port', '0', '--key', KEY, '--dashboard', '--json']);
    try {
      const { url, hub } = JSON.parse(await serve.waitForLine((line) => line.startsWith('{'), 20_000)) as { url: string; hub: string };
      expect(hub).toBe(HUB);
      await j('call', 'Counter/served', 'add', '4');
      const read = await cli(['read', 'Counter/served', '--url', url, '--key', KEY, '--json']);
      expect(read.code).toBe(0);
      expect(read.json().state).toEqual({ value: 4 });
      const wrongKey = await cli(['read', 'Counter/served', '--url', url, '--key', 'not-the-right-key-at-all']);
      expect(wrongKey.code).toBe(2);
      expect(wrongKey.stderr).toContain('refused the key (401)');
      // --dashboard: the page at /, the API under its base path.
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
    } finally {
      expect(await serve.stop('SIGTERM')).toBe(0);
    }
  });

  it('fails with exit 2 when the hub does not exist or the server is unreachable', async () => {
    const [noHub, unreachable] = await Promise.all([
      cli(['--nats', nats.url, '--hub', 'no-such-hub', 'list']),
      cli(['--nats', 'nats://127.0.0.1:1', '--hub', HUB, 'list', '--json']),
    ]);
    expect(noHub.code).toBe(2);
    expect(noHub.stderr).toContain("Hub 'no-such-hub' does not exist");
    expect(unreachable.code).toBe(2);
    expect(JSON.parse(unreachable.stderr)).toMatchObject({ error: { code: 'JETSTATE_TRANSPORT' } });
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
  });
});
