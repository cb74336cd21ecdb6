import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaymentGateway } from '../../examples/nestjs/payments.activities';
import { startShop } from '../../examples/nestjs/main';
import { tempDir } from '../helpers';

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

/** Polls the checkout's status route until it is no longer running. */
async function checkoutResult(url: string): Promise<{ runtimeStatus: string; output?: unknown }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { body } = await get(url);
    const status = body as { runtimeStatus: string; output?: unknown };
    if (!['Pending', 'Running'].includes(status.runtimeStatus) || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('example: the NestJS shop (examples/nestjs), end to end over HTTP', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let shop: { app: INestApplication; url: string } | undefined;

  beforeEach(async () => {
    dir = await tempDir('jetstate-nest-shop-');
    shop = await startShop({ port: 0, dataDir: dir.path, quiet: true });
  });
  afterEach(async () => {
    await shop?.app.close();
    shop = undefined;
    await dir.remove();
  });

  it('deposits into a wallet through the entity and its injected rates service', async () => {
    const { url } = shop!;
    expect(await post(`${url}/wallets/ada/deposits`, { amount: 20, currency: 'EUR' })).toEqual({ status: 202, body: { accepted: true } });
    expect(await post(`${url}/wallets/ada/deposits`, { amount: 5, currency: 'USD' })).toEqual({ status: 202, body: { accepted: true } });
    const deadline = Date.now() + 10_000;
    let wallet = await get(`${url}/wallets/ada`);
    while ((wallet.body as { cents?: number }).cents !== 2700 && Date.now() < deadline) wallet = await get(`${url}/wallets/ada`);
    expect(wallet).toEqual({ status: 200, body: { cents: 2700, history: ['+2200', '+500'] } });
    expect(await get(`${url}/wallets/nobody`)).toMatchObject({ status: 404 });
  });

  it('streams a wallet over server-sent events', async () => {
    const { url } = shop!;
    await post(`${url}/wallets/bob/deposits`, { amount: 1, currency: 'GBP' });
    const controller = new AbortController();
    const response = await fetch(`${url}/wallets/bob/stream`, { signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    let deposited = false;
    while (!text.includes('"cents":1225')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      if (!deposited && text.includes('"cents":125')) {
        deposited = true;
        await post(`${url}/wallets/bob/deposits`, { amount: 11, currency: 'USD' });
      }
    }
    controller.abort();
    expect(text).toContain('data: {"cents":125,"history":["+125"]}');
    expect(text).toContain('data: {"cents":1225,"history":["+125","+1100"]}');
  });

  it('starts a checkout from a route: paid from the wallet when it holds enough, by card through the injected gateway otherwise', async () => {
    const { url, app } = shop!;
    await post(`${url}/wallets/cyd/deposits`, { amount: 30, currency: 'USD' });

    const fromWallet = await post(`${url}/checkouts`, { orderId: 'o1', walletId: 'cyd', cents: 1000 });
    expect(fromWallet).toEqual({ status: 202, body: { id: 'checkout-o1', status: '/checkouts/checkout-o1' } });
    expect(await checkoutResult(`${url}/checkouts/checkout-o1`)).toEqual({
      runtimeStatus: 'Completed',
      output: { orderId: 'o1', paidFromWallet: true, balance: 2000 },
    });

    await post(`${url}/checkouts`, { orderId: 'o2', walletId: 'cyd', cents: 5000 });
    const byCard = await checkoutResult(`${url}/checkouts/checkout-o2`);
    expect(byCard).toMatchObject({ runtimeStatus: 'Completed', output: { orderId: 'o2', paidFromWallet: false } });
    expect([...app.get(PaymentGateway).captured.values()]).toEqual([5000]);
    expect((await get(`${url}/wallets/cyd`)).body).toEqual({ cents: 2000, history: ['+3000', '-1000'] });
    expect(await get(`${url}/checkouts/checkout-none`)).toMatchObject({ status: 404 });
  });

  it('keeps the wallets across a restart of the Nest app', async () => {
    await post(`${shop!.url}/wallets/dan/deposits`, { amount: 2, currency: 'USD' });
    await get(`${shop!.url}/wallets/dan`);
    await shop!.app.close();
    shop = await startShop({ port: 0, dataDir: dir.path, quiet: true });
    const deadline = Date.now() + 10_000;
    let wallet = await get(`${shop.url}/wallets/dan`);
    while (wallet.status !== 200 && Date.now() < deadline) wallet = await get(`${shop.url}/wallets/dan`);
    expect(wallet.body).toEqual({ cents: 200, history: ['+200'] });
  });
});
