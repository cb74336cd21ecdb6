import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DurableAppOptions } from '../app/durable-app-options';
import { CliError, CliErrorCode, ExitCode, usageError } from './cli-errors';

/** What `jetstate worker <module>` hosts: the classes a user module exports, and its options. */
export interface WorkerModule {
  readonly entities: Function[];
  readonly orchestrators: Function[];
  readonly activities: Function[];
  /** `DurableApp.create` options; the command's flags (`--nats`, `--hub`, `--data-dir`) win over them. */
  readonly options: DurableAppOptions;
}

const CLASS_LISTS = ['entities', 'orchestrators', 'activities'] as const;

/**
 * Loads a module (CommonJS or ES module) that exports `entities`, `orchestrators`,
 * `activities` (arrays of decorated classes) and optionally `options`, as named exports or on
 * its default export.
 */
export async function loadWorkerModule(path: string): Promise<WorkerModule> {
  const file = resolve(path);
  if (!existsSync(file))
    throw usageError(`No module at ${file}: give the path of a compiled .js (or .mjs/.cjs) file that exports entities, orchestrators and activities.`);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`Loading ${path} failed: ${(error as Error).message}. Run it with node to see the full error.`, ExitCode.Failed, CliErrorCode.Usage, {
      cause: error,
    });
  }
  const exported = CLASS_LISTS.some((name) => name in loaded) ? loaded : ((loaded.default ?? {}) as Record<string, unknown>);
  const lists = Object.fromEntries(
    CLASS_LISTS.map((name) => {
      const value = exported[name] ?? [];
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'function')) {
        throw usageError(`${path} exports ${name} that is not an array of classes: export const ${name} = [MyClass, ...].`);
      }
      return [name, value as Function[]];
    }),
  ) as Record<(typeof CLASS_LISTS)[number], Function[]>;
  if (CLASS_LISTS.every((name) => lists[name].length === 0)) {
    throw usageError(`${path} exports no entities, orchestrators or activities: export const entities = [Counter] (and/or orchestrators, activities).`);
  }
  const options = exported.options ?? {};
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw usageError(`${path} exports options that is not an object of DurableApp options.`);
  return { ...lists, options: options as DurableAppOptions };
}
