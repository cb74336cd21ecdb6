import { decoratorOptions } from './decorator-options';
import { ORCHESTRATOR_METADATA } from './constants';

/** Options of {@link Orchestrator}. */
export interface OrchestratorOptions {
  /** The orchestrator name used to start instances and in their history. Defaults to the class name. */
  name?: string;
}

/** What `@Orchestrator` records on a class. */
export interface OrchestratorMetadata {
  readonly name: string;
}

/**
 * Declares a class as an orchestrator: a workflow written as ordinary async code in its
 * `run(ctx, input)` method, made durable by event-sourced history and deterministic replay.
 * Only metadata is written here; the registry validates it.
 *
 * @example
 * ```ts
 * @Orchestrator()
 * class HelloSequence {
 *   async run(ctx: OrchestrationContext, cities: string[]): Promise<string[]> {
 *     const greeter = ctx.activities(Greeter);
 *     const out: string[] = [];
 *     for (const city of cities) out.push(await greeter.sayHello(city));
 *     return out;
 *   }
 * }
 * ```
 */
export function Orchestrator(nameOrOptions?: string | OrchestratorOptions): ClassDecorator {
  const options = decoratorOptions(nameOrOptions);
  return (target) => {
    const metadata: OrchestratorMetadata = { name: options.name ?? target.name };
    Reflect.defineMetadata(ORCHESTRATOR_METADATA, metadata, target);
  };
}
