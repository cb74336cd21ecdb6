import type { Command } from 'commander';
import type { DurableClient } from '../../client/durable-client';
import type { ServeHttpOptions } from '../../http/http-options';
import type { HttpServer } from '../../http/serve-http';
import { parsePositiveInteger } from '../arguments';
import type { CliContext, RunCommand } from '../cli-context';
import { usageError } from '../cli-errors';
import { DEFAULT_HUB } from '../../client/hub-name';
import { examples } from './entity-commands';

/** Options of the HTTP server that `serve` and `worker --port` run. */
export interface HttpServeFlags {
  readonly port?: string;
  readonly host?: string;
  readonly dashboard?: boolean;
}

/** `serve`: the HTTP API as a client-only process in front of a NATS hub. */
export function registerServeCommand(program: Command, run: RunCommand): void {
  program
    .command('serve')
    .description('Serve the HTTP API (and the dashboard) in front of a NATS hub, as a client-only process; stops on Ctrl-C or SIGTERM')
    .option('--port <port>', 'the TCP port; 0 picks a free one', '7071')
    .option('--host <host>', 'the interface to listen on (anything but loopback needs --key)', '127.0.0.1')
    .option('--dashboard', 'also serve the live web dashboard at /')
    .addHelpText(
      'after',
      examples(
        'jetstate serve --nats nats://127.0.0.1:4222 --hub shop --port 7071',
        'JETSTATE_KEY=$(openssl rand -hex 16) jetstate serve --nats nats://nats:4222 --hub shop --host 0.0.0.0 --dashboard',
      ) + '\nThe key (--key or JETSTATE_KEY) is the one the server requires, as ?code=, x-functions-key or Authorization: Bearer.\n',
    )
    .action((options: HttpServeFlags, command: Command) =>
      run(command, async (ctx) => {
        const { nats, hub = DEFAULT_HUB } = ctx.options;
        if (nats === undefined)
          throw usageError('serve puts the HTTP API in front of a NATS hub: give --nats nats://host:4222 --hub <name> (or JETSTATE_NATS / JETSTATE_HUB).');
        if (ctx.options.url !== undefined) throw usageError('serve runs an HTTP API; --url (or JETSTATE_URL) is for commands that use one. Unset it.');
        const { connectClient } = await import('../nats-backend.js');
        const client = await connectClient({ nats, hub, verbose: ctx.options.verbose });
        let http: HttpServer;
        try {
          http = await startHttp(ctx, client, options);
        } catch (error) {
          await client.close();
          throw error;
        }
        ctx.out.result(
          { url: http.url, hub },
          () => `serving the HTTP API of hub '${hub}' at ${http.url}${options.dashboard ? ` (dashboard at ${http.url}/)` : ''}; Ctrl-C to stop`,
        );
        await untilStopped(ctx);
        await http.close();
        await client.close();
      }),
    );
}

/** Starts `serveHttp` for `client` with the command's flags and the global `--key`. */
export async function startHttp(ctx: CliContext, client: DurableClient, flags: HttpServeFlags): Promise<HttpServer> {
  const port = flags.port === undefined ? undefined : flags.port === '0' ? 0 : parsePositiveInteger(flags.port, '--port');
  const options: ServeHttpOptions = {
    ...(port === undefined ? {} : { port }),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(ctx.options.key === undefined ? {} : { keys: [ctx.options.key] }),
    ...(flags.dashboard ? { dashboard: true } : {}),
  };
  // fastify loads only for the commands that serve.
  const { serveHttp } = await import('../../http/serve-http.js');
  return serveHttp(client, options);
}

/** Resolves on the first SIGINT or SIGTERM; a second one ends the process at once. */
export function untilStopped(ctx: CliContext): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      ctx.out.note(`${signal}: stopping (again to stop at once)`);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
