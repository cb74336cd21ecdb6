import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { DurableClient } from '../../src/nestjs';
import { Wallet } from './fixtures/shop';
import { startWalletApp } from './fixtures/wallet-http-app';

/** Reads server-sent events from a real HTTP response, one parsed `data:` payload at a time. */
async function* events(response: Response): AsyncGenerator<unknown> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split('\n').find((line) => line.startsWith('data: '));
      if (data) yield JSON.parse(data.slice(6));
    }
  }
}

async function deposit(url: string, id: string, amount: number): Promise<void> {
  const response = await fetch(`${url}/wallets/${id}/deposit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amount, currency: 'EUR' }),
  });
  expect(response.status).toBe(202);
}

describe('an @Sse route streaming state$ over real HTTP (express adapter, LevelDB)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let app: INestApplication | undefined;

  beforeEach(async () => {
    dir = await tempDir('jetstate-nest-sse-');
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await dir.remove();
  });

  it('streams the committed state, then every later commit, as JSON of the state fields only', async () => {
    const started = await startWalletApp({ dataDir: dir.path });
    app = started.app;
    await deposit(started.url, 'ada', 1);
    const controller = new AbortController();
    const response = await fetch(`${started.url}/wallets/ada/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const stream = events(response);

    const seen: unknown[] = [];
    for await (const wallet of stream) {
      seen.push(wallet);
      const { usd } = wallet as { usd: number };
      if (usd === 2) {
        await deposit(started.url, 'ada', 10);
        await deposit(started.url, 'ada', 100);
      }
      if (usd === 222) break;
    }
    controller.abort();
    // The first event is the stored state; the injected service never shows up in the JSON.
    expect(seen[0]).toEqual({ usd: 2, deposits: 1 });
    expect(seen.at(-1)).toEqual({ usd: 222, deposits: 3 });
    expect(seen.map((w) => (w as { usd: number }).usd)).toEqual(seen.length === 3 ? [2, 22, 222] : [2, 222]);
  });

  it('with forceCloseConnections, app.close() ends open streams and stops the engine', async () => {
    const started = await startWalletApp({ dataDir: dir.path }, true);
    app = started.app;
    await deposit(started.url, 'bob', 1);
    const response = await fetch(`${started.url}/wallets/bob/stream`);
    const stream = events(response);
    expect(await stream.next()).toEqual({ done: false, value: { usd: 2, deposits: 1 } });
    const client = app.get(DurableClient);
    const closing = app.close();
    app = undefined;
    await closing;
    // The stream ends (the server cut the socket) instead of keeping close() waiting.
    const outcome = await (async () => {
      try {
        for (;;) if ((await stream.next()).done) return 'ended';
      } catch {
        return 'cut';
      }
    })();
    expect(['ended', 'cut']).toContain(outcome);
    await expect(client.entity(Wallet, 'bob').signal.deposit({ amount: 1, currency: 'USD' })).rejects.toMatchObject({ code: 'JETSTATE_APP_STOPPED' });
  });
});
