import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { CliContext, type RunCommand } from './cli-context';
import { ExitCode, oneLine, toCliError } from './cli-errors';
import { registerDeadLetterCommands } from './commands/dead-letter-commands';
import { examples, registerEntityCommands } from './commands/entity-commands';
import { registerInstanceCommands } from './commands/instance-commands';
import { registerServeCommand } from './commands/serve-command';
import { registerWorkerCommand } from './commands/worker-command';

/** The package's version, from its package.json (three levels above the compiled file). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the `jetstate` command line on `argv` (as `process.argv`: node, script, arguments) and
 * resolves with the exit code: 0 ok, 1 the operation failed, 2 usage or connection error.
 */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Ok;
  const program = new Command('jetstate');
  program
    .description('Look at and fix a jetstate app: entities, orchestration instances and dead letters, over a NATS hub or an HTTP API')
    .version(packageVersion(), '-V, --version')
    .addOption(new Option('--nats <url>', 'connect to a NATS hub as a client: its server URL(s), comma separated').env('JETSTATE_NATS'))
    .addOption(new Option('--hub <name>', "the hub's name (default jetstate)").env('JETSTATE_HUB'))
    .addOption(new Option('--url <url>', "or connect to a running app's HTTP API, e.g. http://127.0.0.1:7071").env('JETSTATE_URL'))
    .addOption(new Option('--key <key>', 'the HTTP API key (sent with --url; required by serve/worker --port)').env('JETSTATE_KEY'))
    .option('--json', 'print results as JSON for scripts (errors as JSON on stderr)', false)
    .option('--verbose', 'show stack traces and client warnings', false)
    .option('--no-color', 'no colours, even on a terminal (NO_COLOR works too)')
    .exitOverride()
    .showHelpAfterError('(add --help for usage and examples)')
    .addHelpText(
      'after',
      examples(
        'jetstate --nats nats://127.0.0.1:4222 --hub shop instances --status Running',
        'jetstate --url http://127.0.0.1:7071 --key $KEY call Counter/visits get',
        'export JETSTATE_NATS=nats://127.0.0.1:4222 JETSTATE_HUB=shop; jetstate dlq list',
      ) + '\nExit codes: 0 ok, 1 the operation failed, 2 usage or connection error. `jetstate <command> --help` shows each command with examples.\n',
    );

  const run: RunCommand = async (command, body) => {
    const ctx = CliContext.of(command);
    try {
      exitCode = (await body(ctx)) ?? ExitCode.Ok;
    } catch (error) {
      const failure = toCliError(error);
      ctx.out.error(failure.code, oneLine(failure.message), error);
      exitCode = failure.exitCode;
    } finally {
      await ctx.close().catch(() => undefined);
    }
  };

  registerEntityCommands(program, run);
  registerInstanceCommands(program, run);
  registerDeadLetterCommands(program, run);
  registerServeCommand(program, run);
  registerWorkerCommand(program, run);

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    throw error;
  }
  return exitCode;
}
