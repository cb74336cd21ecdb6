// A NestJS shop on jetstate: wallets are entities (with an injected exchange-rate service),
// checkouts are orchestrations started from a route, payments are activities (with an
// injected gateway). Express adapter; the app starts jetstate on bootstrap and stops it
// after the HTTP server has closed.
//
// Run it: node scripts/run-ts.mjs examples/nestjs/main.ts   (PORT=3000, NATS_URL=nats://... for NATS)
// Then:   curl -X POST localhost:3000/wallets/ada/deposits -H 'content-type: application/json' -d '{"amount":20,"currency":"EUR"}'
//         curl localhost:3000/wallets/ada
//         curl -N localhost:3000/wallets/ada/stream
//         curl -X POST localhost:3000/checkouts -H 'content-type: application/json' -d '{"orderId":"42","walletId":"ada","cents":1500}'
//         curl localhost:3000/checkouts/checkout-42
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { shopModule, type ShopOptions } from './app.module';

/** Creates the shop and listens on `port` (0: a free one); resolves with the app and its URL. */
export async function startShop(options: ShopOptions & { port: number; quiet?: boolean }): Promise<{ app: INestApplication; url: string }> {
  // forceCloseConnections: close() ends open event streams instead of waiting for their clients.
  const app = await NestFactory.create(shopModule({ ...options, ...(options.quiet ? { logLevel: 'silent' as const } : {}) }), {
    forceCloseConnections: true,
    ...(options.quiet ? { logger: false as const } : {}),
  });
  app.enableShutdownHooks();
  await app.listen(options.port, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

if (typeof require !== 'undefined' && require.main === module) {
  void startShop({
    port: Number(process.env.PORT ?? 3000),
    dataDir: process.env.DATA_DIR ?? './.jetstate-shop',
    ...(process.env.NATS_URL ? { nats: process.env.NATS_URL } : {}),
  }).then(({ url }) => console.log(`shop listening on ${url}`));
}
