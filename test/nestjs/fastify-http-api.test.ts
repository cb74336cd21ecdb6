import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jetstateHttpApi } from '../../src/index';
import { DurableClient, JetstateModule } from '../../src/nestjs';
import { tempDir } from '../helpers';
import { RatesService, Wallet } from './fixtures/shop';

@Controller('wallets')
class WalletController {
  constructor(private readonly client: DurableClient) {}

  @Get(':id')
  async get(@Param('id') id: string): Promise<Wallet | null> {
    return (await this.client.entity(Wallet, id).read()).entityState ?? null;
  }
}

describe("jetstate's HTTP API mounted in a Nest app on the fastify adapter", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let app: NestFastifyApplication | undefined;

  beforeEach(async () => {
    dir = await tempDir('jetstate-nest-fastify-');
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await dir.remove();
  });

  it('serves the entity routes under a path next to the controllers, on the same client', async () => {
    @Module({
      imports: [JetstateModule.forRoot({ dataDir: dir.path, logger: { level: 'silent' }, entities: [Wallet] })],
      providers: [RatesService],
      controllers: [WalletController],
    })
    class AppModule {}

    app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false });
    const client: DurableClient = app.get(DurableClient);
    await app.register(jetstateHttpApi, { client, basePath: '/durable' });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${port}`;

    const signalled = await fetch(`${url}/durable/entities/Wallet/ada?op=deposit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 4, currency: 'EUR' }),
    });
    expect(signalled.status).toBe(202);
    const deadline = Date.now() + 10_000;
    let wallet: unknown = null;
    while (Date.now() < deadline) {
      wallet = await (await fetch(`${url}/wallets/ada`)).json();
      if (wallet !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // The controller reads through the injected client what the HTTP API signalled: one app.
    expect(wallet).toEqual({ usd: 8, deposits: 1 });
    const read = await fetch(`${url}/durable/entities/Wallet/ada`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ usd: 8, deposits: 1 });
  });
});
