import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { handlers, startWalletApp } from './fixtures/wallet-http-app';

type Outcome = { status: number } | { error: string };

async function deposit(url: string, id: string, delayMs: number): Promise<Outcome> {
  try {
    const response = await fetch(`${url}/wallets/${id}/deposit?delayMs=${delayMs}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1, currency: 'USD' }),
    });
    await response.text();
    return { status: response.status };
  } catch (error) {
    return { error: String((error as Error & { cause?: Error }).cause?.message ?? error) };
  }
}

describe('JetstateModule lifecycle in a Nest HTTP app (express, real HTTP, LevelDB)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let app: INestApplication | undefined;

  beforeEach(async () => {
    dir = await tempDir('jetstate-nest-life-');
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await dir.remove();
  });

  it('closes with requests in flight: controllers finish them before the engine stops, and every accepted signal is applied', async () => {
    const started = await startWalletApp({ dataDir: dir.path });
    app = started.app;
    // Requests that are still in their handler (waiting 1 s before they signal) when close() starts.
    handlers.entered = 0;
    const slow = Array.from({ length: 40 }, (_, i) => deposit(started.url, `w${i % 4}`, 1_000));
    const deadline = Date.now() + 10_000;
    while (handlers.entered < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(handlers.entered).toBe(40);
    // And a stream of fast ones, some before and some after close() starts.
    const fast: Promise<Outcome>[] = [];
    const sender = (async () => {
      for (let i = 0; i < 60; i++) {
        fast.push(deposit(started.url, `w${i % 4}`, 0));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const closing = app.close();
    app = undefined;
    await Promise.all([closing, sender]);
    const outcomes = [...(await Promise.all(slow)), ...(await Promise.all(fast))];

    const statuses = outcomes.filter((o): o is { status: number } => 'status' in o).map((o) => o.status);
    // No handler met a stopped engine (that would be a 500 with AppStoppedError).
    expect(statuses.every((status) => status === 202)).toBe(true);
    // Every slow request was in flight when close() began, and all of them completed.
    expect((await Promise.all(slow)).every((o) => 'status' in o && o.status === 202)).toBe(true);
    const accepted = statuses.length;

    // A new app on the same storage: the accepted deposits are all there, applied once.
    const reopened = await startWalletApp({ dataDir: dir.path });
    app = reopened.app;
    let total = 0;
    const until = Date.now() + 10_000;
    do {
      total = 0;
      for (let w = 0; w < 4; w++) {
        const wallet = (await (await fetch(`${reopened.url}/wallets/w${w}`)).json()) as { usd: number } | null;
        total += wallet?.usd ?? 0;
      }
    } while (total < accepted && Date.now() < until && (await new Promise((r) => setTimeout(r, 50))) === undefined);
    expect(total).toBe(accepted);
    expect(accepted).toBeGreaterThanOrEqual(40);
  });
});
