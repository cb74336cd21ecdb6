import type { ModuleMetadata } from '@nestjs/common';
import type { DurableAppOptions } from '../app/durable-app-options';

/**
 * Settings of {@link JetstateModule.forRoot}: the options of `DurableApp.create`, except
 * `resolve` (the module creates entity, orchestrator and activity instances through Nest),
 * plus `global`.
 *
 * @example
 * ```ts
 * JetstateModule.forRoot({ dataDir: './.jetstate', entities: [Wallet], activities: [Payments] });
 * ```
 */
export interface JetstateModuleOptions extends Omit<DurableAppOptions, 'resolve'> {
  /**
   * Whether `DurableClient` and `DurableApp` can be injected in every module without
   * importing `JetstateModule` there. Default `true`.
   */
  global?: boolean;
}

/**
 * Settings of {@link JetstateModule.forRootAsync}: a factory that returns the options,
 * with the modules it needs and the providers it is given.
 *
 * @example
 * ```ts
 * JetstateModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ nats: config.get('NATS_URL'), entities: [Wallet] }),
 * });
 * ```
 */
export interface JetstateModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Providers passed to `useFactory`, in order. */
  inject?: (string | symbol | Function)[];
  /** Returns the options (or a promise of them); `global` is taken from here, not from the result. */
  useFactory: (...args: never[]) => Omit<JetstateModuleOptions, 'global'> | Promise<Omit<JetstateModuleOptions, 'global'>>;
  /** As in {@link JetstateModuleOptions.global}. Default `true`. */
  global?: boolean;
}

/**
 * Classes a feature module adds to the app with {@link JetstateModule.forFeature}.
 *
 * @example
 * ```ts
 * @Module({ imports: [JetstateModule.forFeature({ entities: [Invoice], activities: [Mailer] })] })
 * export class BillingModule {}
 * ```
 */
export interface JetstateFeatureOptions {
  /** Entity classes (each decorated with `@Entity()`). */
  entities?: Function[];
  /** Orchestrator classes (each decorated with `@Orchestrator()`). */
  orchestrators?: Function[];
  /** Classes whose methods are activities (marked with `@Activity()`). */
  activities?: Function[];
}
