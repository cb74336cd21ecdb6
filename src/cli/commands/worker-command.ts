import type { Command } from 'commander';
import { DEFAULT_HUB } from '../../client/hub-name';
import type { HttpServer } from '../../http/serve-http';
import type { RunCommand } from '../cli-context';
import { usageError } from '../cli-errors';
import { natsServers } from '../arguments';
import { loadWorkerModule } from '../worker-module';
import { examples } from './entity-commands';
import { startHttp, untilStopped, type HttpServeFlags } from './serve-command';

/** `worker`: hosts a user module's classes on a NATS hub or the embedded engine. */
export function registerWorkerCommand(program: Command, run: RunCommand): void {
  program
    .command('worker')
    .description(
      'Run a worker hosting the classes a module exports (entities, orchestrators, activities, options): on a NATS hub with --nats, embedded otherwise; stops gracefully on Ctrl-C or SIGTERM',
    )
    .argument('<module>', 'a compiled module (.js/.mjs/.cjs) exporting entities, orchestrators, activities and optionally options')
    .option('--data-dir <dir>', 'the LevelDB directory (embedded: its storage, default ./.jetstate; NATS: a local snapshot copy)')
    .option('--port <port>', 'also serve the HTTP API on this port (0 picks a free one)')
    .option('--host <host>', 'with --port: the interface to listen on', '127.0.0.1')
    .option('--dashboard', 'with --port: also serve the live web dashboard at /')
    .addHelpText(
      'after',
      examples(
        'jetstate worker dist/app.js --nats nats://127.0.0.1:4222 --hub shop',
        'jetstate worker dist/app.js --data-dir ./data --port 7071   # embedded, reached with --url http://127.0.0.1:7071',
      ) +
        `
The module, e.g.:
  export const entities = [Counter];
  export const orchestrators = [ProcessOrder];
  export const activities = [Payments];
  export const options = { maxConcurrentActivities: 20 };   // any DurableApp option
`,
    )
    .action((modulePath: string, options: HttpServeFlags & { dataDir?: string }, command: Command) =>
      run(command, async (ctx) => {
        if (ctx.options.url !== undefined)
          throw usageError('worker hosts the classes itself: use --nats/--hub for a hub, or nothing for the embedded engine, not --url (check JETSTATE_URL).');
        if (options.port === undefined && options.dashboard) throw usageError('--dashboard goes with --port: worker <module> --port 7071 --dashboard.');
        const loaded = await loadWorkerModule(modulePath);
        const [{ DurableApp }, { default: pino }] = await Promise.all([import('../../app/durable-app.js'), import('pino')]);
        const { nats, hub } = ctx.options;
        const logger = loaded.options.logger ?? pino({ level: ctx.options.verbose ? 'info' : 'warn' }, pino.destination(2));
        const app = await DurableApp.create({
          ...loaded.options,
          entities: loaded.entities,
          orchestrators: loaded.orchestrators,
          activities: loaded.activities,
          logger,
          ...(nats === undefined ? {} : { nats: natsServers(nats) }),
          ...(hub === undefined ? {} : { hub }),
          ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
        });
        let http: HttpServer | undefined;
        try {
          await app.start();
          if (options.port !== undefined) http = await startHttp(ctx, app.client, options);
        } catch (error) {
          await app.stop();
          throw error;
        }
        const where =
          nats === undefined
            ? `embedded (${options.dataDir ?? loaded.options.dataDir ?? './.jetstate'})`
            : `hub '${hub ?? loaded.options.hub ?? DEFAULT_HUB}' at ${nats}`;
        const hosted = { entities: names(loaded.entities), orchestrators: names(loaded.orchestrators), activities: names(loaded.activities) };
        ctx.out.result({ ready: true, engine: nats === undefined ? 'embedded' : 'nats', ...hosted, ...(http ? { url: http.url } : {}) }, () =>
          [
            `worker running, ${where}: ${[...hosted.entities, ...hosted.orchestrators, ...hosted.activities].join(', ')}`,
            ...(http ? [`HTTP API at ${http.url}`] : []),
            'Ctrl-C to stop',
          ].join('\n'),
        );
        await untilStopped(ctx);
        await http?.close();
        await app.stop();
      }),
    );
}

function names(classes: readonly Function[]): string[] {
  return classes.map((cls) => cls.name);
}
