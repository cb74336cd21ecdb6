export { JetstateModule } from './jetstate.module';
export type { JetstateFeatureOptions, JetstateModuleAsyncOptions, JetstateModuleOptions } from './jetstate-module-options';
export { DurableApp } from '../app/durable-app';
export { DurableClient } from '../client/durable-client';
