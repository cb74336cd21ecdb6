import type { LogFn, Logger } from 'pino';
import type { ReplaySafeLogger } from './orchestration-context';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** Does nothing: what every level logs while the orchestration replays. */
const silent: LogFn = () => {};

/**
 * Wraps a pino logger so that each level writes only when `isReplaying()` is false: the
 * lines an orchestrator logs appear once, when its code first runs, not on every replay.
 */
export function replaySafeLogger(logger: Logger, isReplaying: () => boolean): ReplaySafeLogger {
  const wrapped = { child: (bindings: Record<string, unknown>) => replaySafeLogger(logger.child(bindings), isReplaying) } as ReplaySafeLogger;
  for (const level of LEVELS) {
    const write = logger[level].bind(logger) as LogFn;
    Object.defineProperty(wrapped, level, { get: () => (isReplaying() ? silent : write), enumerable: true });
  }
  return wrapped;
}
