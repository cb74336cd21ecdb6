import { jetstream } from '@nats-io/jetstream';
import { describe, expect, test } from 'vitest';
import { DurableApp, DurableClient, InvalidOptionsError } from '../../src/index';
import { partitionOf } from '../../src/internal';
import { Counter, Journal } from '../contract/fixtures';
import { tempDir } from '../helpers';
import { useSharedNatsServer } from './shared-nats-server';

describe('dead letters through the client', () => {
  const shared = useSharedNatsServer('dl');
  const { open, nextHub } = shared;

  async function worker(hub: string, entities: Function[]): Promise<DurableApp> {
    const app = await DurableApp.create({ entities, nats: shared.server.url, hub, logger: { level: 'silent' }, leaseTimeMs: 3000 });
    open.push(app);
    await app.start();
    return app;
  }

  function publishRaw(hub: string, name: string, key: string, body: string): Promise<unknown> {
    return jetstream(shared.raw).publish(`${hub}.w.${partitionOf({ name, key }, 32)}.${name}.${key}`, new TextEncoder().encode(body));
  }

  test('list, get, replay to a worker that can run them, and purge', async () => {
    const hub = nextHub();
    const first = await worker(hub, [Counter]);
    await publishRaw(
      hub,
      'Journal',
      'j',
      JSON.stringify({ id: 'm1', target: { name: 'Journal', key: 'j' }, operation: 'append', kind: 'signal', input: 'one' }),
    );
    await publishRaw(
      hub,
      'Journal',
      'j',
      JSON.stringify({ id: 'm2', target: { name: 'Journal', key: 'j' }, operation: 'append', kind: 'signal', input: 'two' }),
    );
    await publishRaw(hub, 'Counter', 'c', '{broken');
    // A call after them on the same partition as the broken one proves they were all handled.
    expect(await first.client.entity(Counter, 'c').call.increment()).toBe(1);
    const deadline = Date.now() + 10_000;
    while (first.stats().deadLettered < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    const client = await DurableClient.connect({ nats: shared.server.url, hub, logger: { level: 'silent' } });
    open.push({ stop: () => client.close() });
    const letters = await client.deadLetters.list();
    expect(letters.map((l) => l.reason).sort()).toEqual(["unknown entity 'Journal'", "unknown entity 'Journal'", expect.stringMatching(/^not JSON/)].sort());
    const journal = letters.filter((l) => l.originalSubject.includes('.Journal.'));
    expect(journal.map((l) => JSON.parse(l.body).input)).toEqual(['one', 'two']);
    expect(journal.every((l) => !l.activity && l.time instanceof Date && l.originalSeq! > 0)).toBe(true);
    expect(await client.deadLetters.get(journal[0]!.seq)).toEqual(journal[0]);
    expect(await client.deadLetters.get(999_999)).toBeUndefined();
    expect(await client.deadLetters.list({ afterSeq: journal[0]!.seq, subjectPrefix: `${hub}.w.`, limit: 1 })).toHaveLength(1);

    // A worker that hosts Journal replaces the first; replaying delivers both, in order.
    await first.stop();
    const second = await worker(hub, [Counter, Journal]);
    expect(await client.deadLetters.replay({ all: true, subjectPrefix: journal[0]!.originalSubject })).toBe(2);
    const deadlineApplied = Date.now() + 10_000;
    while ((await second.client.entity(Journal, 'j').read()).entityState?.entries.length !== 2 && Date.now() < deadlineApplied)
      await new Promise((r) => setTimeout(r, 50));
    expect((await second.client.entity(Journal, 'j').read()).entityState?.entries).toEqual(['one', 'two']);

    // The broken one is left; purge removes it.
    const left = await client.deadLetters.list();
    expect(left).toHaveLength(1);
    expect(await client.deadLetters.purge()).toBe(1);
    expect(await client.deadLetters.list()).toEqual([]);
  });

  test('the embedded engine has none, and says so', async () => {
    const dir = await tempDir();
    try {
      const app = await DurableApp.create({ entities: [Counter], dataDir: dir.path, logger: { level: 'silent' } });
      open.push(app);
      expect(() => app.client.deadLetters).toThrow(InvalidOptionsError);
    } finally {
      await dir.remove();
    }
  });
});
