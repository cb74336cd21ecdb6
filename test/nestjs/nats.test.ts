import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DurableApp, DurableClient, JetstateModule } from '../../src/nestjs';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { Checkout, Ledger, Payments, RatesService, Wallet } from './fixtures/shop';

@Injectable()
class NatsSettings {
  constructor(readonly url: string) {}
}

@Module({})
class NatsConfigModule {
  static forUrl(url: string): DynamicModule {
    return { module: NatsConfigModule, providers: [{ provide: NatsSettings, useValue: new NatsSettings(url) }], exports: [NatsSettings] };
  }
}

describe('JetstateModule on a real nats-server', () => {
  let server: NatsServer;
  const opened: TestingModule[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
  });
  afterEach(async () => {
    for (const module of opened.splice(0)) await module.close();
  });

  /** A Nest app whose options come from an injected settings provider, as an app's config would give them. */
  async function worker(hub: string): Promise<TestingModule> {
    const module = await Test.createTestingModule({
      imports: [
        JetstateModule.forRootAsync({
          inject: [NatsSettings],
          imports: [NatsConfigModule.forUrl(server.url)],
          useFactory: (settings: NatsSettings) => ({
            nats: settings.url,
            hub,
            partitionCount: 4,
            leaseTimeMs: 3_000,
            logger: { level: 'silent' as const },
            entities: [Wallet],
            orchestrators: [Checkout],
            activities: [Payments],
          }),
        }),
      ],
      providers: [RatesService, Ledger],
    }).compile();
    opened.push(module);
    await module.init();
    return module;
  }

  it('injects the client and creates entities with their services, on the NATS engine', async () => {
    const nest = await worker('nest_entities');
    const client = nest.get(DurableClient);
    expect(client).toBe(nest.get(DurableApp).client);
    await client.entity(Wallet, 'ada').signal.deposit({ amount: 10, currency: 'EUR' });
    await client.entity(Wallet, 'ada').signal.deposit({ amount: 1, currency: 'USD' });
    expect(await client.entity(Wallet, 'ada').call.get()).toBe(21);
    const read = await client.entity(Wallet, 'ada').read();
    expect(JSON.parse(JSON.stringify(read.entityState))).toEqual({ usd: 21, deposits: 2 });
  });

  it('runs an orchestration whose activity has its dependencies injected', async () => {
    const nest = await worker('nest_orchestrations');
    const client = nest.get(DurableClient);
    await client.entity(Wallet, 'bob').call.deposit({ amount: 40, currency: 'USD' });
    const handle = await client.startNew(Checkout, { id: 'o-9', amount: 15, wallet: 'bob' });
    expect(await handle.result({ timeout: 20_000 })).toBe('paid-o-9');
    expect(nest.get(Ledger).charges).toEqual([{ order: 'o-9', amount: 15 }]);
    const deadline = Date.now() + 10_000;
    while ((await client.entity(Wallet, 'bob').call.get()) !== 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await client.entity(Wallet, 'bob').call.get()).toBe(25);
  });

  it('closes with signals in flight and a new worker applies every one of them', async () => {
    const first = await worker('nest_lifecycle');
    const client = first.get(DurableClient);
    const sent = Array.from({ length: 200 }, (_, i) => client.entity(Wallet, `k${i % 8}`).signal.deposit({ amount: 1, currency: 'USD' }));
    await Promise.all(sent);
    // Stored, not necessarily applied yet: close now.
    opened.splice(opened.indexOf(first), 1);
    await first.close();

    const second = await worker('nest_lifecycle');
    const again = second.get(DurableClient);
    let total = 0;
    const deadline = Date.now() + 20_000;
    do {
      total = 0;
      for (let k = 0; k < 8; k++) total += await again.entity(Wallet, `k${k}`).call.get();
    } while (total < 200 && Date.now() < deadline && (await new Promise((r) => setTimeout(r, 100))) === undefined);
    expect(total).toBe(200);
  }, 60_000);
});
