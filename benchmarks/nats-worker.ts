import 'reflect-metadata';
import { DurableApp } from '../src/index';
import { Counter } from './counter.entity';
import { BENCH_ACTIVITIES, BENCH_ORCHESTRATORS } from './orchestration-fixtures';

/**
 * A worker process of the NATS benchmark: `node build/benchmarks/nats-worker.js <url> <hub> [<connection options JSON>] [--orchestrations]`,
 * started with an IPC channel (`fork`). It hosts {@link Counter} with default settings (with
 * `--orchestrations`, also the orchestrators and activities of `orchestration-fixtures.ts`) and
 * answers the parent's messages:
 *
 *   parent -> worker: `{ type: 'stats' }` | `{ type: 'stop' }`
 *   worker -> parent: `{ type: 'ready' }` | `{ type: 'stats', stats }` | `{ type: 'stopped' }` | `{ type: 'failed', error }`
 *
 * It stops when the parent says so or goes away.
 */
export type WorkerRequest = { readonly type: 'stats' } | { readonly type: 'stop' };
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'stats'; readonly stats: ReturnType<DurableApp['stats']> }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly error: string };

function reply(message: WorkerReply): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const orchestrations = args.includes('--orchestrations');
  const [url, hub, extra] = args.filter((arg) => arg !== '--orchestrations');
  if (!url || !hub || !process.send) throw new Error('usage: fork("nats-worker.js", [url, hub, optionsJson?]) (needs an IPC channel)');
  const nats = extra ? { ...(JSON.parse(extra) as object), servers: url } : url;
  // JETSTATE_BENCH_WORKER_LOG=info (or warn, debug...) shows the worker's log on stderr.
  const level = process.env.JETSTATE_BENCH_WORKER_LOG ?? 'silent';
  const hosted = orchestrations ? { orchestrators: BENCH_ORCHESTRATORS, activities: BENCH_ACTIVITIES } : {};
  const app = await DurableApp.create({ entities: [Counter], ...hosted, nats, hub, logger: { level } });
  await app.start();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= app.stop().then(
      () => reply({ type: 'stopped' }),
      (error: unknown) => reply({ type: 'failed', error: String(error) }),
    ));
  process.on('message', (request: WorkerRequest) => {
    if (request.type === 'stats') reply({ type: 'stats', stats: app.stats() });
    else if (request.type === 'stop') void stop().then(() => process.disconnect());
  });
  // The parent died or closed the channel: stop too (a graceful stop lets --cpu-prof write its profile).
  process.on('disconnect', () => void stop().then(() => process.exit(0)));
  reply({ type: 'ready' });
}

main().catch((error: unknown) => {
  reply({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
