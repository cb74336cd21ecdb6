import { ErrorCode } from '../errors';

/** The exit codes of `jetstate`: ok, the operation failed, usage or connection error. */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Codes of refusals the command line makes itself. */
export const CliErrorCode = {
  /** Bad arguments or options. */
  Usage: 'JETSTATE_CLI_USAGE',
  /** The hub or the HTTP API could not be reached, or refused the key. */
  Connection: 'JETSTATE_CLI_CONNECTION',
  /** The entity, instance or dead letter asked for does not exist. */
  NotFound: 'JETSTATE_CLI_NOT_FOUND',
  /** The instance ended other than Completed (`wait`, `start --wait`). */
  NotCompleted: 'JETSTATE_CLI_NOT_COMPLETED',
} as const;

/**
 * An error the command line reports in one line, with the exit code it ends with. Every
 * message says what to do.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.Usage, CliErrorCode.Usage);
}

export function notFoundError(message: string): CliError {
  return new CliError(message, ExitCode.Failed, CliErrorCode.NotFound);
}

export function instanceNotFound(instanceId: string): CliError {
  return notFoundError(`No orchestration instance '${instanceId}' exists. List the instances with: jetstate instances`);
}

/** Codes that mean the request was malformed (exit 2) rather than refused by the hub or app (exit 1). */
const USAGE_CODES = new Set<string>([
  ErrorCode.InvalidOptions,
  ErrorCode.InvalidEntityId,
  ErrorCode.Serialization,
  'JETSTATE_HTTP_INVALID_JSON',
  'JETSTATE_HTTP_BAD_REQUEST',
]);
/** Codes that mean the hub or app could not be reached or refused the caller (exit 2). */
const CONNECTION_CODES = new Set<string>([ErrorCode.Transport, 'JETSTATE_HTTP_UNAUTHORIZED', 'JETSTATE_HTTP_CLOSING', ErrorCode.AppStopped]);

/** Turns anything thrown by a command into a {@link CliError}. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && CONNECTION_CODES.has(code)) return new CliError(message, ExitCode.Usage, code, { cause: error });
  if (code !== undefined && USAGE_CODES.has(code)) return new CliError(message, ExitCode.Usage, code, { cause: error });
  if (code !== undefined && code.startsWith('JETSTATE_')) return new CliError(message, ExitCode.Failed, code, { cause: error });
  return new CliError(message, ExitCode.Failed, 'JETSTATE_CLI_FAILED', { cause: error });
}

/** One line: newlines in a server's message would break scripts that read stderr by line. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
