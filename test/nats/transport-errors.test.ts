import { afterEach, describe, expect, test } from 'vitest';
import { DurableApp, DurableClient, TransportError } from '../../src/index';
import { Counter } from '../contract/fixtures';
import { startNatsServer, type NatsServer } from './nats-server';

describe('errors from the NATS client reach users as jetstate errors', () => {
  let server: NatsServer | undefined;
  const open: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((o) => o.stop()));
    await server?.dispose();
  });

  test('a signal whose publish is not confirmed (the server is down) fails with a TransportError that says it may have been stored', async () => {
    server = await startNatsServer();
    const app = await DurableApp.create({ entities: [Counter], nats: server.url, hub: 'errors', logger: { level: 'silent' } });
    open.push(app);
    await app.start();
    const client = await DurableClient.connect({ nats: server.url, hub: 'errors', logger: { level: 'silent' } });
    open.push({ stop: () => client.close() });
    await client.entity(Counter, 'k').signal.add(1);

    await server.stop();
    const failed = client.entity(Counter, 'k').signal.add(1);
    await expect(failed).rejects.toBeInstanceOf(TransportError);
    await expect(failed).rejects.toThrow(/NATS failed while sending Counter\/k\.add: .*may have been stored anyway/);
    const read = client.entity(Counter, 'k').read();
    await expect(read).rejects.toBeInstanceOf(TransportError);
    await expect(read).rejects.toThrow(/NATS failed while reading the state of Counter\/k/);
    const letters = client.deadLetters.list();
    await expect(letters).rejects.toBeInstanceOf(TransportError);
    await expect(letters).rejects.toThrow(/NATS failed while listing dead letters/);
    await expect(client.deadLetters.replay(1)).rejects.toThrow(/NATS failed while replaying dead letter 1/);
  }, 30_000);
});
