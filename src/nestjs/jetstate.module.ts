import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import { DurableApp } from '../app/durable-app';
import { DurableClient } from '../client/durable-client';
import { InvalidOptionsError } from '../errors';
import { collectClasses, type CollectedClasses } from './class-collector';
import { FeatureRegistration } from './feature-registration';
import { JETSTATE_INSTANCE_FACTORY, JETSTATE_MODULE_OPTIONS, JETSTATE_ROOT_CLASSES } from './jetstate.constants';
import { JetstateLifecycle } from './jetstate-lifecycle';
import type { JetstateFeatureOptions, JetstateModuleAsyncOptions, JetstateModuleOptions } from './jetstate-module-options';
import { NestInstanceFactory } from './nest-instance-factory';

let featureCount = 0;

/**
 * jetstate in a Nest app: hosts entities, orchestrations and activities with their
 * dependencies injected by Nest, makes {@link DurableClient} and {@link DurableApp}
 * injectable, starts the app when Nest bootstraps and stops it after Nest has stopped
 * taking requests.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [JetstateModule.forRoot({ dataDir: './.jetstate', entities: [Wallet], activities: [Payments] })],
 *   providers: [RatesService],
 *   controllers: [WalletController],
 * })
 * export class AppModule {}
 *
 * @Controller('wallets')
 * export class WalletController {
 *   constructor(private readonly client: DurableClient) {}
 *   @Post(':id/deposit') deposit(@Param('id') id: string, @Body() body: Deposit) {
 *     return this.client.entity(Wallet, id).signal.deposit(body);
 *   }
 * }
 * ```
 */
@Module({})
export class JetstateModule {
  /**
   * The root module, with the options of `DurableApp.create` (except `resolve`). Import it
   * once, in the app's root module.
   *
   * @example
   * ```ts
   * @Module({ imports: [JetstateModule.forRoot({ nats: 'nats://localhost:4222', hub: 'shop', entities: [Wallet] })] })
   * export class AppModule {}
   * ```
   */
  static forRoot(options: JetstateModuleOptions = {}): DynamicModule {
    const { global = true, ...appOptions } = options;
    return JetstateModule.root(global, [], { provide: JETSTATE_MODULE_OPTIONS, useValue: appOptions });
  }

  /**
   * The root module, with options returned by a factory that Nest injects (configuration, secrets).
   *
   * @example
   * ```ts
   * JetstateModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ nats: config.getOrThrow('NATS_URL'), entities: [Wallet] }),
   * });
   * ```
   */
  static forRootAsync(options: JetstateModuleAsyncOptions): DynamicModule {
    if (typeof options?.useFactory !== 'function') {
      throw new InvalidOptionsError('JetstateModule.forRootAsync needs useFactory: a function that returns the options of DurableApp.create.');
    }
    return JetstateModule.root(options.global ?? true, options.imports ?? [], {
      provide: JETSTATE_MODULE_OPTIONS,
      useFactory: options.useFactory as (...args: unknown[]) => unknown,
      inject: options.inject ?? [],
    });
  }

  /**
   * Adds a feature module's entities, orchestrators and activities to the app of
   * `forRoot`. Their dependencies are looked up in the whole app.
   *
   * @example
   * ```ts
   * @Module({ imports: [JetstateModule.forFeature({ entities: [Invoice], activities: [Mailer] })], providers: [MailService] })
   * export class BillingModule {}
   * ```
   */
  static forFeature(options: JetstateFeatureOptions): DynamicModule {
    // A token of its own per call: Nest merges dynamic modules that look alike, and it
    // compares classes by name.
    return { module: JetstateModule, providers: [{ provide: `jetstate:feature:${++featureCount}`, useValue: new FeatureRegistration({ ...options }) }] };
  }

  private static root(global: boolean, imports: DynamicModule['imports'] & {}, options: Provider): DynamicModule {
    return {
      module: JetstateModule,
      global,
      imports,
      providers: [
        options,
        { provide: JETSTATE_INSTANCE_FACTORY, useFactory: () => new NestInstanceFactory() },
        {
          provide: JETSTATE_ROOT_CLASSES,
          inject: [JETSTATE_MODULE_OPTIONS, ModulesContainer],
          useFactory: (appOptions: JetstateModuleOptions, modules: ModulesContainer) => collectClasses(checkOptions(appOptions), modules),
        },
        {
          provide: DurableApp,
          inject: [JETSTATE_MODULE_OPTIONS, JETSTATE_ROOT_CLASSES, JETSTATE_INSTANCE_FACTORY],
          useFactory: (appOptions: JetstateModuleOptions, classes: CollectedClasses, factory: NestInstanceFactory) =>
            DurableApp.create({ ...appOptions, ...classes, resolve: factory.resolve }),
        },
        { provide: DurableClient, inject: [DurableApp], useFactory: (app: DurableApp) => app.client },
        {
          provide: JetstateLifecycle,
          inject: [DurableApp, JETSTATE_INSTANCE_FACTORY, JETSTATE_ROOT_CLASSES, ModuleRef],
          useFactory: (app: DurableApp, factory: NestInstanceFactory, classes: CollectedClasses, moduleRef: ModuleRef) =>
            new JetstateLifecycle(app, factory, classes, moduleRef),
        },
      ],
      exports: [DurableApp, DurableClient],
    };
  }
}

function checkOptions(options: JetstateModuleOptions): JetstateModuleOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('JetstateModule needs an options object (the options of DurableApp.create), e.g. { entities: [Wallet] }.');
  }
  if ('resolve' in options) {
    throw new InvalidOptionsError('JetstateModule creates instances through Nest: remove the resolve option and let Nest inject the dependencies.');
  }
  if ('global' in options) {
    throw new InvalidOptionsError('Pass global to JetstateModule.forRootAsync itself, not in the options its factory returns.');
  }
  return options;
}
