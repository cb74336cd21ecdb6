import type { JetstateFeatureOptions } from './jetstate-module-options';

/**
 * What one `JetstateModule.forFeature` call registers: a provider value the root module
 * finds in Nest's container when it creates the app.
 */
export class FeatureRegistration {
  constructor(readonly classes: Readonly<JetstateFeatureOptions>) {}
}
