import 'reflect-metadata';
import { Inject, Injectable, Module, Scope, type Type } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableApp, JetstateModule } from '../../src/nestjs';
import { DefinitionError, Entity, InvalidOptionsError, Operation, Orchestrator, Activity } from '../../src/index';
import { tempDir } from '../helpers';
import { RatesService, Wallet } from './fixtures/shop';

class NotAnEntity {
  value = 0;
}

@Injectable()
class Missing {}

@Entity()
class NeedsMissing {
  constructor(readonly missing: Missing) {}
  @Operation() ping(): void {}
}

@Injectable({ scope: Scope.REQUEST })
class PerRequest {}

@Entity()
class NeedsPerRequest {
  constructor(readonly perRequest: PerRequest) {}
  @Operation() ping(): void {}
}

/** A singleton that depends on the request: Nest makes it request-scoped too. */
@Injectable()
class UsesRequest {
  constructor(readonly request: PerRequest) {}
}

@Entity()
class NeedsUsesRequest {
  constructor(readonly service: UsesRequest) {}
  @Operation() ping(): void {}
}

interface Clock {
  now(): number;
}

@Entity()
class NeedsInterface {
  constructor(readonly clock: Clock) {}
  @Operation() ping(): void {}
}

/** No class decorator, so TypeScript records no constructor types. */
class UndecoratedActivities {
  constructor(readonly rates: RatesService) {}
  @Activity() convert(amount: number): number {
    return amount * this.rates.rate('EUR');
  }
}

@Orchestrator()
class SomeFlow {
  async run(): Promise<void> {}
}

/** Two classes named differently that register the same entity name. */
@Entity('Account')
class BillingAccount {
  @Operation() ping(): void {}
}

@Entity('Account')
class ShopAccount {
  @Operation() ping(): void {}
}

@Module({ imports: [JetstateModule.forFeature({ entities: [BillingAccount] })] })
class BillingModule {}

@Module({ imports: [JetstateModule.forFeature({ entities: [ShopAccount] })] })
class ShopModule {}

@Module({ imports: [JetstateModule.forFeature({ entities: [Wallet] })] })
class OtherWalletModule {}

@Module({ imports: [JetstateModule.forFeature({ entities: [NotAnEntity] })] })
class SloppyModule {}

describe('JetstateModule refuses bad input at bootstrap, with a typed error naming the class and the fix', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeEach(async () => {
    dir = await tempDir('jetstate-nest-bad-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  /** Compiles and initialises a module; resolves with the error it failed with. */
  async function failure(
    options: { entities?: Function[]; orchestrators?: Function[]; activities?: Function[] },
    imports: Type[] = [],
    providers: Type[] = [],
  ): Promise<Error> {
    let close: (() => Promise<void>) | undefined;
    try {
      const module = await Test.createTestingModule({
        imports: [JetstateModule.forRoot({ dataDir: dir.path, logger: { level: 'silent' }, ...options }), ...imports],
        providers: [RatesService, ...providers],
      }).compile();
      close = () => module.close();
      await module.init();
    } catch (error) {
      return error as Error;
    } finally {
      await close?.();
    }
    throw new Error('expected the Nest app to fail at bootstrap');
  }

  /** After a failed bootstrap, the storage is released: another app opens the same directory. */
  async function expectStorageReleased(): Promise<void> {
    const app = await DurableApp.create({ dataDir: dir.path, logger: { level: 'silent' } });
    await app.stop();
  }

  it('a class without @Entity in forRoot', async () => {
    const error = await failure({ entities: [NotAnEntity] });
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toMatch(/NotAnEntity is listed in entities by JetstateModule.forRoot but has no @Entity\(\) decorator. Add @Entity\(\)/);
  });

  it('a class without @Entity in forFeature names the feature module', async () => {
    const error = await failure({}, [SloppyModule]);
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toContain('NotAnEntity is listed in entities by JetstateModule.forFeature in SloppyModule');
  });

  it('a class without @Orchestrator in orchestrators', async () => {
    const error = await failure({ orchestrators: [NotAnEntity] });
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toContain('NotAnEntity is listed in orchestrators by JetstateModule.forRoot but has no @Orchestrator() decorator');
  });

  it('something that is not a class', async () => {
    const error = await failure({ entities: ['Wallet' as unknown as Function] });
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toContain("lists the string 'Wallet' in entities");
  });

  it('a dependency Nest cannot resolve', async () => {
    const error = await failure({ entities: [NeedsMissing] });
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toMatch(
      /^Nest cannot resolve Missing, constructor parameter #1 of NeedsMissing: no module of the app provides it. Add Missing to the providers/,
    );
    await expectStorageReleased();
  });

  it('a parameter typed with an interface (nothing to look up)', async () => {
    const error = await failure({ entities: [NeedsInterface] });
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toContain('constructor parameter #1 of NeedsInterface: its type is an interface');
    expect(error.message).toContain('@Inject(token)');
  });

  it('an activity class without a class decorator, whose constructor types were not recorded', async () => {
    const error = await failure({ orchestrators: [SomeFlow], activities: [UndecoratedActivities] });
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toContain('constructor parameter #1 of UndecoratedActivities');
    expect(error.message).toContain('add @Injectable() to UndecoratedActivities');
  });

  it('a request-scoped provider injected into an entity', async () => {
    const error = await failure({ entities: [NeedsPerRequest] }, [], [PerRequest]);
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toMatch(/^PerRequest, constructor parameter #1 of NeedsPerRequest, is request-scoped .* Make PerRequest a singleton/);
    await expectStorageReleased();
  });

  it('a singleton that depends on a request-scoped provider (so is request-scoped itself)', async () => {
    const error = await failure({ entities: [NeedsUsesRequest] }, [], [PerRequest, UsesRequest]);
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toContain('UsesRequest, constructor parameter #1 of NeedsUsesRequest, is request-scoped (or depends on a request-scoped provider)');
  });

  it('two modules registering the same entity name', async () => {
    const error = await failure({}, [BillingModule, ShopModule]);
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toBe(
      "Two classes register the entity name 'Account': BillingAccount (JetstateModule.forFeature in BillingModule) and ShopAccount (JetstateModule.forFeature in ShopModule). " +
        "Names must be unique in an app: rename one with @Entity('OtherName'), or register one class only.",
    );
  });

  it('the root and a feature registering the same name with different classes', async () => {
    const error = await failure({ entities: [BillingAccount] }, [ShopModule]);
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toContain('BillingAccount (JetstateModule.forRoot) and ShopAccount (JetstateModule.forFeature in ShopModule)');
  });

  it('accepts the same class registered by two modules (it counts once)', async () => {
    const module = await Test.createTestingModule({
      imports: [JetstateModule.forRoot({ dataDir: dir.path, logger: { level: 'silent' }, entities: [Wallet] }), OtherWalletModule],
      providers: [RatesService],
    }).compile();
    await module.init();
    await module.close();
  });

  it('a resolve option (instances are Nest’s to create)', async () => {
    const error = await failure({ resolve: () => ({}) } as never);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.message).toContain('remove the resolve option');
  });

  it('options DurableApp.create does not know', async () => {
    const error = await failure({ dataDirectory: 'x' } as never);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.message).toContain("Unknown option 'dataDirectory'");
  });

  it('forRootAsync without a factory', () => {
    expect(() => JetstateModule.forRootAsync({} as never)).toThrow(InvalidOptionsError);
  });

  it('a REQUEST token (the request object itself) injected into an entity', async () => {
    @Entity()
    class NeedsRequest {
      constructor(@Inject(REQUEST) readonly request: unknown) {}
      @Operation() ping(): void {}
    }
    const error = await failure({ entities: [NeedsRequest] });
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toContain('of NeedsRequest, is request-scoped');
  });
});
