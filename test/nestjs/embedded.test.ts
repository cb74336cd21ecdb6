import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { instanceToPlain } from 'class-transformer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableApp, DurableClient, JetstateModule } from '../../src/nestjs';
import { Entity, Operation } from '../../src/index';
import { tempDir } from '../helpers';
import { Checkout, Counterfeit, GREETING, Ledger, Payments, RatesService, Wallet } from './fixtures/shop';

/** A provider that gets the client and the app by class token. */
@Injectable()
class ShopService {
  constructor(
    readonly client: DurableClient,
    readonly app: DurableApp,
  ) {}
}

@Injectable()
class Settings {
  readonly dataDir = process.env.JETSTATE_NEST_TEST_DIR!;
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

/** A feature module with its own entity and a dependency of its own. */
@Injectable()
class TaxService {
  readonly rate = 0.25;
}

@Entity()
class Invoice {
  total = 0;
  constructor(
    private readonly tax: TaxService,
    readonly spare: Counterfeit,
  ) {}
  @Operation() add(net: number): void {
    this.total += net * (1 + this.tax.rate);
  }
  @Operation() spareId(): number {
    return this.spare.id;
  }
}

@Module({ imports: [JetstateModule.forFeature({ entities: [Invoice] })], providers: [TaxService, Counterfeit] })
class BillingModule {}

describe('JetstateModule on the embedded engine (LevelDB)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let module: TestingModule | undefined;

  beforeEach(async () => {
    dir = await tempDir('jetstate-nest-');
  });
  afterEach(async () => {
    await module?.close();
    module = undefined;
    await dir.remove();
  });

  async function open(extraProviders: unknown[] = []): Promise<TestingModule> {
    module = await Test.createTestingModule({
      imports: [
        JetstateModule.forRoot({ dataDir: dir.path, logger: { level: 'silent' }, entities: [Wallet], orchestrators: [Checkout], activities: [Payments] }),
        BillingModule,
      ],
      providers: [RatesService, Ledger, ShopService, ...(extraProviders as [])],
    }).compile();
    await module.init();
    return module;
  }

  it('injects the client and the app by class token, and starts the app on bootstrap', async () => {
    const nest = await open();
    const shop = nest.get(ShopService);
    expect(shop.client).toBeInstanceOf(DurableClient);
    expect(shop.app).toBeInstanceOf(DurableApp);
    expect(shop.client).toBe(shop.app.client);
    expect(nest.get(DurableClient)).toBe(shop.client);
    await shop.client.entity(Wallet, 'ada').signal.deposit({ amount: 5, currency: 'USD' });
    expect(await shop.client.entity(Wallet, 'ada').call.get()).toBe(5);
  });

  it('creates one entity instance per key through Nest, with the singleton service injected', async () => {
    const nest = await open();
    const client = nest.get(DurableClient);
    const rates = nest.get(RatesService);
    await client.entity(Wallet, 'ada').signal.deposit({ amount: 10, currency: 'EUR' });
    await client.entity(Wallet, 'bob').signal.deposit({ amount: 3, currency: 'USD' });
    expect(await client.entity(Wallet, 'ada').call.get()).toBe(20);
    expect(await client.entity(Wallet, 'bob').call.get()).toBe(3);
    expect(await client.entity(Wallet, 'ada').call.whoAmI()).toEqual({ key: 'ada', ratesCreated: rates.created });
    expect(await client.entity(Wallet, 'bob').call.whoAmI()).toEqual({ key: 'bob', ratesCreated: rates.created });
  });

  it('keeps injected services out of the state, so a reloaded entity still has its service', async () => {
    let nest = await open([{ provide: GREETING, useValue: 'hello' }]);
    await nest.get(DurableClient).entity(Wallet, 'ada').call.deposit({ amount: 1, currency: 'EUR' });
    const read = await nest.get(DurableClient).entity(Wallet, 'ada').read();
    expect(read.entityState).toBeInstanceOf(Wallet);
    expect(read.entityState?.greeting).toBe('hello');
    // The state is the entity's own fields: the injected service is not among them.
    expect(instanceToPlain(read.entityState)).toEqual({ usd: 2, deposits: 1, greeting: 'hello' });
    expect(JSON.parse(JSON.stringify(read.entityState))).toEqual({ usd: 2, deposits: 1, greeting: 'hello' });
    await nest.close();

    // A new Nest app on the same data: the stored state is restored over an instance
    // created with its dependencies, which still work.
    nest = await open();
    const wallet = nest.get(DurableClient).entity(Wallet, 'ada');
    await wallet.signal.deposit({ amount: 1, currency: 'EUR' });
    expect(await wallet.call.get()).toBe(4);
    expect((await wallet.read()).entityState).toMatchObject({ usd: 4, deposits: 2 });
  });

  it('leaves an @Optional() dependency nobody provides undefined', async () => {
    const nest = await open();
    const read = await nest.get(DurableClient).entity(Wallet, 'x').read();
    expect(read.entityExists).toBe(false);
    await nest.get(DurableClient).entity(Wallet, 'x').call.deposit({ amount: 1, currency: 'USD' });
    expect((await nest.get(DurableClient).entity(Wallet, 'x').read()).entityState?.greeting).toBeUndefined();
  });

  it('runs activities with their dependencies injected, from an orchestration', async () => {
    const nest = await open();
    const client = nest.get(DurableClient);
    await client.entity(Wallet, 'ada').signal.deposit({ amount: 50, currency: 'USD' });
    const handle = await client.startNew(Checkout, { id: 'o-1', amount: 30, wallet: 'ada' });
    expect(await handle.result({ timeout: 15_000 })).toBe('paid-o-1');
    expect(nest.get(Ledger).charges).toEqual([{ order: 'o-1', amount: 30 }]);
    const start = Date.now();
    while ((await client.entity(Wallet, 'ada').call.get()) !== 20 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(await client.entity(Wallet, 'ada').call.get()).toBe(20);
  });

  it('hosts the entities of forFeature modules, with dependencies from the feature module', async () => {
    const nest = await open();
    const invoice = nest.get(DurableClient).entity(Invoice, 'inv-1');
    await invoice.signal.add(100);
    expect(await invoice.call.add(20)).toBeUndefined();
    expect((await invoice.read()).entityState?.total).toBe(150);
    // A transient dependency is created once for the class, shared by its keys.
    const spare = await invoice.call.spareId();
    expect(await nest.get(DurableClient).entity(Invoice, 'inv-2').call.spareId()).toBe(spare);
  });

  it('takes its options from a factory with forRootAsync', async () => {
    process.env.JETSTATE_NEST_TEST_DIR = dir.path;
    module = await Test.createTestingModule({
      imports: [
        JetstateModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: async (settings: Settings) => ({ dataDir: settings.dataDir, logger: { level: 'silent' as const }, entities: [Wallet] }),
        }),
      ],
      providers: [RatesService],
    }).compile();
    await module.init();
    await module.get(DurableClient).entity(Wallet, 'ada').signal.deposit({ amount: 2, currency: 'EUR' });
    expect(await module.get(DurableClient).entity(Wallet, 'ada').call.get()).toBe(4);
    await module.close();
    module = undefined;
    // The data went where the factory said.
    const app = await DurableApp.create({
      dataDir: dir.path,
      logger: { level: 'silent' },
      entities: [Wallet],
      resolve: (cls) => new (cls as unknown as new (r: RatesService) => never)(new RatesService()),
    });
    expect((await app.client.entity(Wallet, 'ada').read()).entityState?.usd).toBe(4);
    await app.stop();
  });

  it('stops the app when Nest closes: the client refuses work afterwards', async () => {
    const nest = await open();
    const client = nest.get(DurableClient);
    await nest.close();
    module = undefined;
    await expect(client.entity(Wallet, 'ada').signal.deposit({ amount: 1, currency: 'USD' })).rejects.toMatchObject({ code: 'JETSTATE_APP_STOPPED' });
  });
});
