/**
 * Least-privilege NATS users: a nats-server whose worker and client users have exactly
 * the subjects `hubPermissions` lists for their role. The worker provisions and runs the
 * hub; the client does everything a client does (signals, calls, scheduled signals,
 * reads, listings, watches, orchestrations with activities, locks, events, suspend,
 * terminate, purge, dead letters). The client cannot forge snapshots or delete streams,
 * and a user given another hub's permissions cannot use this one.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, nkeyAuthenticator, nkeys, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DurableApp, DurableClient, hubPermissions, TransportError, type HubPermissions } from '../../src/index';
import { Account, Transfer } from '../../examples/bank-transfer';
import { Counter, Journal } from '../contract/fixtures';
import { ACTIVITIES, ORCHESTRATORS } from '../contract/orchestration-fixtures';
import { tempDir } from '../helpers';
import { exited, freePort, launch } from '../../tools/nats-server';

const HUB = 'shop';
const WORKER = { user: 'worker', pass: 'worker-secret' };
const CLIENT = { user: 'client', pass: 'client-secret' };
const OTHER_HUB_CLIENT = { user: 'other', pass: 'other-secret' };
/** A client identified by an NKey (a signed challenge) instead of a password. */
const NKEY_CLIENT = nkeys.createUser();

function user(credentials: { user: string; pass: string }, permissions: HubPermissions): string {
  // nats-server's configuration format accepts JSON values.
  return JSON.stringify({ user: credentials.user, password: credentials.pass, permissions });
}

describe('NATS users with only the permissions hubPermissions lists', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: ChildProcess;
  let url: string;
  let app: DurableApp;
  let client: DurableClient;

  beforeAll(async () => {
    dir = await tempDir('jetstate-permissions-');
    const config = join(dir.path, 'server.conf');
    const users = [
      user(WORKER, hubPermissions({ hub: HUB, role: 'worker' })),
      user(CLIENT, hubPermissions({ hub: HUB, role: 'client' })),
      user(OTHER_HUB_CLIENT, hubPermissions({ hub: 'other', role: 'client' })),
      JSON.stringify({ nkey: NKEY_CLIENT.getPublicKey(), permissions: hubPermissions({ hub: HUB, role: 'client' }) }),
    ];
    await writeFile(config, `authorization {\n  users = [\n    ${users.join(',\n    ')}\n  ]\n}\n`);
    const port = await freePort();
    server = await launch(port, join(dir.path, 'store'), ['-c', config]);
    url = `nats://127.0.0.1:${port}`;
    app = await DurableApp.create({
      entities: [Counter, Journal, Account],
      orchestrators: [...ORCHESTRATORS, Transfer],
      activities: ACTIVITIES,
      nats: { servers: url, ...WORKER },
      hub: HUB,
      dataDir: join(dir.path, 'worker'),
      logger: { level: 'silent' },
    });
    await app.start();
    client = await DurableClient.connect({ nats: { servers: url, ...CLIENT }, hub: HUB, logger: { level: 'silent' } });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await app?.stop();
    server?.kill('SIGTERM');
    if (server) await exited(server);
    await dir?.remove();
  });

  test('a client user runs entities: signal, call, a scheduled signal, read, list and watch', async () => {
    const counter = { name: 'Counter', key: 'c1' };
    await client.signalEntity(counter, 'add', 5);
    expect(await client.callEntity(counter, 'increment')).toBe(6);
    const change = firstValueFrom(client.entityChanges$('Counter'));
    await client.signalEntity(counter, 'add', 1, { scheduledTime: new Date(Date.now() + 300) });
    expect((await change).state).toEqual({ value: 7 });
    expect((await client.readEntityState(counter)).entityState).toEqual({ value: 7 });
    expect((await client.listEntities({ name: 'Counter' })).entities.map((e) => e.id.key)).toEqual(['c1']);
  }, 60_000);

  test('a client user runs orchestrations: activities, entity locks, events, suspend and terminate, purge, listing', async () => {
    const hello = await client.startNew('HelloSequence', 'x');
    expect((await client.waitForCompletion(hello.instanceId, { timeout: 30_000 })).runtimeStatus).toBe('Completed');

    await client.signalEntity({ name: 'Account', key: 'a' }, 'deposit', 100);
    const transfer = await client.startNew('Transfer', { from: 'a', to: 'b', amount: 30 });
    const transferred = await client.waitForCompletion(transfer.instanceId, { timeout: 30_000 });
    expect(transferred.output).toEqual({ transferred: true, fromBalance: 70, toBalance: 30 });

    const approval = await client.startNew('Approval', 'boss');
    await client.raiseEvent(approval.instanceId, 'Approved', { by: 'boss' });
    expect((await client.waitForCompletion(approval.instanceId, { timeout: 30_000 })).output).toBe('approved by boss');

    const waiting = await client.startNew('WaitsForGo', 'w');
    await client.suspend(waiting.instanceId, 'pause');
    await client.resume(waiting.instanceId, 'go on');
    await client.terminate(waiting.instanceId, 'stop');
    expect((await client.waitForCompletion(waiting.instanceId, { timeout: 30_000 })).runtimeStatus).toBe('Terminated');
    expect(await client.purgeInstanceHistory(waiting.instanceId)).toEqual({ instancesDeleted: 1 });
    expect((await client.listInstances({})).instances.map((i) => i.instanceId).sort()).toEqual(
      [approval.instanceId, hello.instanceId, transfer.instanceId].sort(),
    );
    expect(await client.deadLetters.list()).toEqual([]);
    expect(await client.deadLetters.purge()).toBe(0);
  }, 90_000);

  test('a client user cannot write snapshots or delete the hub', async () => {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: url, ...CLIENT });
      const jsm = await jetstreamManager(nc);
      await expect(jsm.streams.delete(`${HUB}_WORK`)).rejects.toThrow(/permission/i);
      const js = jetstream(nc);
      await expect(js.publish(`${HUB}.s.0.Counter.c1`, new TextEncoder().encode('{}'))).rejects.toThrow(/permission/i);
    } finally {
      await nc?.close();
    }
    // The worker's state is untouched.
    expect((await client.readEntityState({ name: 'Counter', key: 'c1' })).entityState).toEqual({ value: 7 });
  }, 60_000);

  test('a client identified by an NKey (nats.js authenticator passed through the nats option) works like one with a password', async () => {
    const seed = NKEY_CLIENT.getSeed();
    const nkeyClient = await DurableClient.connect({ nats: { servers: url, authenticator: nkeyAuthenticator(seed) }, hub: HUB, logger: { level: 'silent' } });
    try {
      expect(await nkeyClient.callEntity({ name: 'Counter', key: 'nkey' }, 'increment')).toBe(1);
    } finally {
      await nkeyClient.close();
    }
    const wrongKey = DurableClient.connect({
      nats: { servers: url, authenticator: nkeyAuthenticator(nkeys.createUser().getSeed()) },
      hub: HUB,
      logger: { level: 'silent' },
    });
    await expect(wrongKey).rejects.toBeInstanceOf(TransportError);
  }, 60_000);

  test("a user with another hub's permissions cannot use this hub", async () => {
    const refused = DurableClient.connect({ nats: { servers: url, ...OTHER_HUB_CLIENT }, hub: HUB, logger: { level: 'silent' } });
    await expect(refused).rejects.toBeInstanceOf(TransportError);
  }, 60_000);

  test('the worker and client lists differ where they must', () => {
    const worker = hubPermissions({ hub: HUB, role: 'worker' });
    const clientPermissions = hubPermissions({ hub: HUB, role: 'client' });
    expect(worker.publish.allow).toContain(`$JS.API.STREAM.CREATE.${HUB}_WORK`);
    expect(clientPermissions.publish.allow.some((subject) => subject.startsWith('$JS.API.STREAM.CREATE.'))).toBe(false);
    expect(clientPermissions.publish.allow).not.toContain(`${HUB}.>`);
    expect(clientPermissions.subscribe.allow).toContain(`${HUB}.r.>`);
    expect(() => hubPermissions({ hub: 'not a hub', role: 'client' })).toThrow(/hub must be/);
  });
});
