// Shared by the orchestration examples: opens the app an example runs on, the embedded
// engine by default or NATS JetStream when NATS_URL is set, runs the example's demo on its
// client and stops it.
//
//   node scripts/run-ts.mjs examples/chaining.ts                                  # embedded, ./.jetstate-chaining
//   NATS_URL=nats://127.0.0.1:4222 node scripts/run-ts.mjs examples/chaining.ts   # NATS, hub "examples-chaining"
//
// On NATS, JETSTATE_HUB names another hub. The hub keeps its data between runs, so the
// demos put a fresh run id into their instance ids and entity keys.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
// In your own project: import { DurableApp, type DurableAppOptions, type DurableClient } from 'jetstate';
import { DurableApp, type DurableAppOptions, type DurableClient } from '../src/index';

/** What an example's demo gets. */
export interface DemoOptions {
  /** Where output lines go. Default `console.log`. */
  log?: (line: string) => void;
  /** Put into instance ids and entity keys, so that runs on a shared NATS hub do not collide. Default: random. */
  runId?: string;
}

/** The classes an example hosts. */
export type ExampleClasses = Pick<DurableAppOptions, 'entities' | 'orchestrators' | 'activities'>;

/** Errors only: some demos make activities fail on purpose, which jetstate logs as warnings. */
const LOGGER = { level: 'error' } as const;

/** A short random id for {@link DemoOptions.runId}. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Opens and starts the app for example `name` (letters, digits and `-`): on the embedded
 * engine in `./.jetstate-<name>` (emptied first), or on the NATS hub `examples-<name>` when
 * `NATS_URL` is set. `close()` stops it and removes the embedded data directory.
 */
export async function openExampleApp(name: string, classes: ExampleClasses): Promise<{ app: DurableApp; where: string; close: () => Promise<void> }> {
  const url = process.env.NATS_URL;
  if (url) {
    const hub = process.env.JETSTATE_HUB ?? `examples-${name}`;
    const app = await DurableApp.create({ ...classes, nats: url, hub, logger: LOGGER });
    await app.start();
    return { app, where: `NATS JetStream at ${url}, hub '${hub}'`, close: () => app.stop() };
  }
  const dataDir = `./.jetstate-${name}`;
  await rm(dataDir, { recursive: true, force: true });
  const app = await DurableApp.create({ ...classes, dataDir, logger: LOGGER });
  await app.start();
  return {
    app,
    where: `the embedded engine in ${dataDir}`,
    close: async () => {
      await app.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `demo` on a fresh app for example `name` and sets the exit code: 0 when the demo
 * resolves, 1 when it throws.
 */
export async function runExample(
  name: string,
  classes: ExampleClasses,
  demo: (client: DurableClient, options: DemoOptions) => Promise<unknown>,
): Promise<void> {
  try {
    const { app, where, close } = await openExampleApp(name, classes);
    try {
      console.log(`${name}: running on ${where}`);
      await demo(app.client, { log: (line) => console.log(line), runId: newRunId() });
    } finally {
      await close();
    }
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
