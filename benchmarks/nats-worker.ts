import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { DurableApp } from '../src/index';
import { integerArg } from './bench-args';
import { Counter } from './counter.entity';
import { BENCH_ACTIVITIES, BENCH_ORCHESTRATORS } from './orchestration-fixtures';

/**
 * A worker process of the NATS benchmark, started with an IPC channel (`fork`):
 *
 *   node build/benchmarks/nats-worker.js --servers URL[,URL...] --hub NAME [--connection JSON] [--replicas N] [--orchestrations]
 *
 * It hosts {@link Counter} with default settings (with `--orchestrations`, also the
 * orchestrators and activities of `orchestration-fixtures.ts`; with `--replicas`, the hub's
 * streams and buckets get that many replicas) and answers the parent's messages:
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
  const { values } = parseArgs({
    strict: true,
    options: {
      servers: { type: 'string' },
      hub: { type: 'string' },
      connection: { type: 'string' },
      replicas: { type: 'string' },
      orchestrations: { type: 'boolean', default: false },
    },
  });
  const { servers, hub } = values;
  if (!servers || !hub || !process.send) throw new Error('usage: fork("nats-worker.js", ["--servers", url, "--hub", hub, ...]) (needs an IPC channel)');
  const orchestrations = values.orchestrations;
  const nats = { ...(values.connection ? (JSON.parse(values.connection) as object) : {}), servers: servers.split(',') };
  const replicas = integerArg('replicas', values.replicas, 1) as 1 | 3 | 5;
  // JETSTATE_BENCH_WORKER_LOG=info (or warn, debug...) shows the worker's log on stderr.
  const level = process.env.JETSTATE_BENCH_WORKER_LOG ?? 'silent';
  const hosted = orchestrations ? { orchestrators: BENCH_ORCHESTRATORS, activities: BENCH_ACTIVITIES } : {};
  const app = await DurableApp.create({ entities: [Counter], ...hosted, nats, hub, replicas, logger: { level } });
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
