import type { ModulesContainer } from '@nestjs/core';
import { DecoratorMetadata } from '../../decorators';
import { DefinitionError } from '../errors';
import { FeatureRegistration } from './feature-registration';
import type { JetstateFeatureOptions } from './jetstate-module-options';

/** The classes the whole Nest app registers, without repeats. */
export interface CollectedClasses {
  readonly entities: Function[];
  readonly orchestrators: Function[];
  readonly activities: Function[];
}

type Kind = keyof CollectedClasses;

/** Where a class was registered, for error messages: `JetstateModule.forFeature in BillingModule`. */
interface Registration {
  readonly classes: Readonly<JetstateFeatureOptions>;
  readonly source: string;
}

/**
 * Gathers the classes of `forRoot` and of every `forFeature` in the app, checks each is
 * decorated for the list it is in, and refuses two different classes under one entity or
 * orchestrator name (the same class registered by two modules counts once).
 */
export function collectClasses(root: Readonly<JetstateFeatureOptions>, modules: ModulesContainer): CollectedClasses {
  const registrations: Registration[] = [{ classes: root, source: 'JetstateModule.forRoot' }, ...featureRegistrations(modules)];
  const collected: CollectedClasses = { entities: [], orchestrators: [], activities: [] };
  const names = { entities: new Map<string, { cls: Function; source: string }>(), orchestrators: new Map<string, { cls: Function; source: string }>() };
  for (const { classes, source } of registrations) {
    for (const kind of ['entities', 'orchestrators', 'activities'] as const) {
      const listed = classes[kind] ?? [];
      if (!Array.isArray(listed)) throw new DefinitionError(`${source}: ${kind} must be an array of classes, e.g. { ${kind}: [MyClass] }.`);
      for (const cls of listed) {
        checkDecorated(kind, cls, source);
        if (collected[kind].includes(cls)) continue;
        if (kind !== 'activities') {
          const name = nameOf(kind, cls);
          const earlier = names[kind].get(name);
          if (earlier) {
            const what = kind === 'entities' ? 'entity' : 'orchestrator';
            const decorator = kind === 'entities' ? 'Entity' : 'Orchestrator';
            throw new DefinitionError(
              `Two classes register the ${what} name '${name}': ${earlier.cls.name} (${earlier.source}) and ${cls.name} (${source}). ` +
                `Names must be unique in an app: rename one with @${decorator}('OtherName'), or register one class only.`,
            );
          }
          names[kind].set(name, { cls, source });
        }
        collected[kind].push(cls);
      }
    }
  }
  return collected;
}

function featureRegistrations(modules: ModulesContainer): Registration[] {
  const found: Registration[] = [];
  for (const module of modules.values()) {
    for (const wrapper of module.providers.values()) {
      if (!(wrapper.instance instanceof FeatureRegistration)) continue;
      const importers = [...modules.values()].filter((other) => other.imports.has(module)).map((other) => other.name);
      const where = importers.length > 0 ? ` in ${importers.join(', ')}` : '';
      found.push({ classes: wrapper.instance.classes, source: `JetstateModule.forFeature${where}` });
    }
  }
  return found;
}

function checkDecorated(kind: Kind, cls: unknown, source: string): asserts cls is Function {
  if (typeof cls !== 'function') {
    throw new DefinitionError(`${source} lists ${describe(cls)} in ${kind}; list classes there, e.g. { ${kind}: [MyClass] }.`);
  }
  const name = cls.name || 'An anonymous class';
  if (kind === 'entities' && !DecoratorMetadata.isEntity(cls)) {
    throw new DefinitionError(
      `${name} is listed in entities by ${source} but has no @Entity() decorator. Add @Entity() to the class, or remove it from entities.`,
    );
  }
  if (kind === 'orchestrators' && !DecoratorMetadata.isOrchestrator(cls)) {
    throw new DefinitionError(
      `${name} is listed in orchestrators by ${source} but has no @Orchestrator() decorator. Add @Orchestrator() to the class, or remove it from orchestrators.`,
    );
  }
}

function nameOf(kind: 'entities' | 'orchestrators', cls: Function): string {
  return (kind === 'entities' ? DecoratorMetadata.entity(cls) : DecoratorMetadata.orchestrator(cls))!.name;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'string' ? `the string '${value}'` : `${typeof value} ${String(value)}`;
}
