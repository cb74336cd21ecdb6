import type { Command } from 'commander';
import type { Backend } from './backend';
import { ExitCode } from './cli-errors';
import { connectBackend } from './connect-backend';
import { Output } from './output';

/** The options every command takes (see `jetstate --help`). */
export interface GlobalOptions {
  readonly nats?: string;
  readonly hub?: string;
  readonly url?: string;
  readonly key?: string;
  readonly json: boolean;
  readonly verbose: boolean;
  /** False with `--no-color`. */
  readonly color: boolean;
}

/** What a command runs with: its options, its output, and a connection made on demand. */
export class CliContext {
  readonly out: Output;
  private backend: Backend | undefined;

  constructor(readonly options: GlobalOptions) {
    this.out = new Output({ json: options.json, noColor: !options.color, verbose: options.verbose });
  }

  static of(command: Command): CliContext {
    return new CliContext(command.optsWithGlobals<GlobalOptions>());
  }

  /** Connects (once) to where the global options say. */
  async connect(): Promise<Backend> {
    this.backend ??= await connectBackend(this.options);
    return this.backend;
  }

  async close(): Promise<void> {
    await this.backend?.close();
  }
}

/** A command's body: resolves with its exit code (0 when it returns nothing). */
export type CommandBody = (ctx: CliContext) => Promise<ExitCode | void>;

/** Runs a command's body in its context and records how the process should exit. */
export type RunCommand = (command: Command, body: CommandBody) => Promise<void>;

/** Aborts when the user presses Ctrl-C (SIGINT) or the process is told to stop (SIGTERM). */
export function interruption(): { readonly signal: AbortSignal; abort(): void; dispose(): void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    abort,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}
