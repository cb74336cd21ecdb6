/** Injection token of the options the root module hands to `DurableApp.create`. */
export const JETSTATE_MODULE_OPTIONS = Symbol.for('jetstate.nestjs.module-options');

/** Injection token of the classes listed in `JetstateModule.forRoot` (or its async factory). */
export const JETSTATE_ROOT_CLASSES = Symbol.for('jetstate.nestjs.root-classes');

/** Injection token of the holder of the Nest-backed instance factories (see `NestInstanceFactory`). */
export const JETSTATE_INSTANCE_FACTORY = Symbol.for('jetstate.nestjs.instance-factory');

/**
 * Metadata keys Nest's `@Inject`, `@Optional` and `emitDecoratorMetadata` write on a class.
 * They are part of Nest's public contract (`@nestjs/common/constants`), repeated here so
 * that reading them needs no deep import.
 */
export const NEST_METADATA = {
  paramTypes: 'design:paramtypes',
  selfDeclaredDeps: 'self:paramtypes',
  optionalDeps: 'optional:paramtypes',
  propertyDeps: 'self:properties_metadata',
  optionalPropertyDeps: 'optional:properties_metadata',
} as const;
