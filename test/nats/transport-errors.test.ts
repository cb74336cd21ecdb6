import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DiscardPolicy, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, test } from 'vitest';
import { AppStoppedError, DurableApp, DurableClient, hubPermissions, InvalidOptionsError, TransportError } from '../../src/index';
import { Counter } from '../contract/fixtures';
import { tempDir } from '../helpers';
import { exited, freePort, launch, startNatsServer, type NatsServer } from '../../tools/nats-server';

const silent = { level: 'silent' } as const;

describe('errors from the NATS client reach users as jetstate errors', () => {
  let server: NatsServer | undefined;
  const open: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    // A server a test stopped is started again first: apps stopping without a server each
    // wait out their requests' timeouts (10 to 15 s), and nothing here checks that.
    await server?.start();
    await Promise.allSettled(open.splice(0).map((o) => o.stop()));
    await server?.dispose();
    server = undefined;
  });

  /** A worker and a client-only process on `hub` of a fresh server. */
  async function hubWithClient(hub: string): Promise<{ app: DurableApp; client: DurableClient }> {
    server = await startNatsServer();
    const app = await DurableApp.create({ entities: [Counter], nats: server.url, hub, logger: silent });
    open.push(app);
    await app.start();
    const client = await DurableClient.connect({ nats: server.url, hub, logger: silent });
    open.push({ stop: () => client.close() });
    return { app, client };
  }

  test('a signal whose publish is not confirmed (the server is down) fails with a TransportError that says it may have been stored', async () => {
    const { client } = await hubWithClient('errors');
    await client.entity(Counter, 'k').signal.add(1);

    await server!.stop();
    // Each request waits out the client's request timeout: they are sent together so the
    // test waits for it once, not four times.
    const failed = client.entity(Counter, 'k').signal.add(1);
    const read = client.entity(Counter, 'k').read();
    const letters = client.deadLetters.list();
    const replayed = client.deadLetters.replay(1);
    // Handled here so the ones still to be checked below are not reported as unhandled rejections.
    for (const request of [failed, read, letters, replayed]) request.catch(() => undefined);
    await expect(failed).rejects.toBeInstanceOf(TransportError);
    await expect(failed).rejects.toThrow(
      /NATS failed while sending Counter\/k\.add: the server did not answer in time\. The message may have been stored anyway/,
    );
    await expect(read).rejects.toBeInstanceOf(TransportError);
    await expect(read).rejects.toThrow(/NATS failed while reading the state of Counter\/k: the server did not answer in time\. Check that nats-server is up/);
    await expect(letters).rejects.toBeInstanceOf(TransportError);
    await expect(letters).rejects.toThrow(/NATS failed while listing dead letters/);
    await expect(replayed).rejects.toThrow(/NATS failed while replaying dead letter 1/);
  }, 60_000);

  test('a signal to a full work stream (a limit reached, discard new) fails with a TransportError that names the limit and what to raise', async () => {
    const { client } = await hubWithClient('full');
    await client.entity(Counter, 'k').signal.add(1);
    const nc = await connect({ servers: server!.url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info('full_WORK');
      // As many messages as it holds now, and refuse the next one.
      await jsm.streams.update('full_WORK', { ...info.config, max_msgs: info.state.messages, discard: DiscardPolicy.New });
    } finally {
      await nc.close();
    }

    const refused = client.entity(Counter, 'k').signal.add(1);
    await expect(refused).rejects.toBeInstanceOf(TransportError);
    await expect(refused).rejects.toThrow(
      /NATS failed while sending Counter\/k\.add: JetStream refused to store the message \(maximum messages exceeded, error code 10077\)\. A stream, account or server limit is reached\. Raise the stream's max_msgs\/max_bytes/,
    );
    const cause = ((await refused.catch((error: unknown) => error)) as Error).cause;
    expect(cause).toBeInstanceOf(JetStreamApiError);
    expect((cause as JetStreamApiError).code).toBe(10077);
  }, 60_000);

  test("a signal that nothing answers (the hub's work stream is gone) fails with a TransportError that names the subject and what to check", async () => {
    const { app, client } = await hubWithClient('gone');
    await client.entity(Counter, 'k').signal.add(1);
    await app.stop();
    const nc = await connect({ servers: server!.url });
    try {
      await (await jetstreamManager(nc)).streams.delete('gone_WORK');
    } finally {
      await nc.close();
    }

    const unanswered = client.entity(Counter, 'k').signal.add(1);
    await expect(unanswered).rejects.toBeInstanceOf(TransportError);
    await expect(unanswered).rejects.toThrow(
      /NATS failed while sending Counter\/k\.add: nothing answered on gone\.w\.\d+\.Counter\.k\. No JetStream stream takes the subject: .*Check that nats-server runs with -js and that a worker of the hub has started/,
    );
  }, 60_000);

  test('after the connection closed for good (reconnection turned off, the server went away), a signal fails with a TransportError saying to connect again', async () => {
    server = await startNatsServer();
    const app = await DurableApp.create({ entities: [Counter], nats: server.url, hub: 'closed', logger: silent });
    open.push(app);
    await app.start();
    const client = await DurableClient.connect({ nats: { servers: server.url, maxReconnectAttempts: 0 }, hub: 'closed', logger: silent });
    open.push({ stop: () => client.close() });
    expect(await client.entity(Counter, 'k').call.increment()).toBe(1);

    await server.stop();
    const afterClose = async (): Promise<unknown> =>
      client
        .entity(Counter, 'k')
        .signal.add(1)
        .catch((error: unknown) => error);
    // The client notices the lost connection asynchronously; until then the publish waits for an answer.
    let failure = await afterClose();
    for (let attempt = 0; attempt < 20 && !/connection to NATS is closed/.test(String(failure)); attempt++) failure = await afterClose();
    expect(failure).toBeInstanceOf(TransportError);
    expect(String(failure)).toMatch(
      /NATS failed while sending Counter\/k\.add: the connection to NATS is closed\. It does not come back: create the app or client again/,
    );
  }, 60_000);

  test('a signal after client.close() fails with AppStoppedError saying to create a new client', async () => {
    const { client } = await hubWithClient('stopped');
    await client.entity(Counter, 'k').signal.add(1);
    await client.close();
    const late = client.entity(Counter, 'k').signal.add(1);
    await expect(late).rejects.toBeInstanceOf(AppStoppedError);
    await expect(late).rejects.toThrow(/stopped.*Create a new one/);
  }, 60_000);
});

describe('a NATS user without permission to publish signals', () => {
  test('gets a TransportError naming the subject and the permission to grant, not a timeout', async () => {
    const dir = await tempDir('jetstate-denied-');
    let child: ChildProcess | undefined;
    let app: DurableApp | undefined;
    let client: DurableClient | undefined;
    try {
      const client_ = hubPermissions({ hub: 'shop', role: 'client' });
      // The client role without the right to publish entity operations (<hub>.w.>).
      const readOnly = { publish: { allow: client_.publish.allow.filter((subject) => subject !== 'shop.w.>') }, subscribe: client_.subscribe };
      expect(readOnly.publish.allow).toHaveLength(client_.publish.allow.length - 1);
      const users = [
        { user: 'worker', password: 'worker-secret', permissions: hubPermissions({ hub: 'shop', role: 'worker' }) },
        { user: 'reader', password: 'reader-secret', permissions: readOnly },
      ];
      const config = join(dir.path, 'server.conf');
      await writeFile(config, `authorization { users = ${JSON.stringify(users)} }\n`);
      const port = await freePort();
      child = await launch(port, join(dir.path, 'store'), ['-c', config]);
      const url = `nats://127.0.0.1:${port}`;
      app = await DurableApp.create({ entities: [Counter], nats: { servers: url, user: 'worker', pass: 'worker-secret' }, hub: 'shop', logger: silent });
      await app.start();
      client = await DurableClient.connect({ nats: { servers: url, user: 'reader', pass: 'reader-secret' }, hub: 'shop', logger: silent });

      const started = Date.now();
      const denied = client.entity(Counter, 'k').signal.add(1);
      await expect(denied).rejects.toBeInstanceOf(TransportError);
      await expect(denied).rejects.toThrow(
        /NATS failed while sending Counter\/k\.add: the NATS user may not publish to shop\.w\.\d+\.Counter\.k\. Grant it permission to publish to shop\.w\.\d+\.Counter\.k \(docs\/nats\.md lists/,
      );
      // Refused by the server at once, not left to time out.
      expect(Date.now() - started).toBeLessThan(4000);
      // What the user may do still works.
      expect((await client.entity(Counter, 'k').read()).entityState).toBeUndefined();
    } finally {
      await client?.close();
      await app?.stop();
      child?.kill('SIGTERM');
      if (child) await exited(child);
      await dir.remove();
    }
  }, 60_000);
});

describe('a server that cannot hold a hub', () => {
  test('an account without JetStream is refused on connect with a TransportError saying to enable it', async () => {
    const dir = await tempDir('jetstate-nojs-');
    let child: ChildProcess | undefined;
    try {
      const config = join(dir.path, 'server.conf');
      // Accounts defined in the configuration get JetStream only with `jetstream: enabled`.
      await writeFile(config, 'accounts { PLAIN { users: [ { user: "plain", password: "plain-secret" } ] } }\n');
      const port = await freePort();
      child = await launch(port, join(dir.path, 'store'), ['-c', config]);
      const refused = DurableApp.create({
        entities: [Counter],
        nats: { servers: `nats://127.0.0.1:${port}`, user: 'plain', pass: 'plain-secret' },
        hub: 'nojs',
        logger: silent,
      });
      await expect(refused).rejects.toBeInstanceOf(TransportError);
      await expect(refused).rejects.toThrow(/does not have JetStream enabled\. Start nats-server with -js/);
    } finally {
      child?.kill('SIGTERM');
      if (child) await exited(child);
      await dir.remove();
    }
  }, 60_000);

  test('replicas: 3 on a single server is refused with an InvalidOptionsError saying a cluster is needed', async () => {
    const server = await startNatsServer();
    try {
      const refused = DurableApp.create({ entities: [Counter], nats: server.url, hub: 'triple', replicas: 3, logger: silent });
      await expect(refused).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(refused).rejects.toThrow(/replicas: 3 needs a JetStream cluster of at least 3 servers/);
    } finally {
      await server.dispose();
    }
  }, 60_000);
});
