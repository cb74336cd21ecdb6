import { pino, type Logger, type LoggerOptions } from 'pino';

/** A child of the given pino logger, or a new pino logger from options (default: level `info`). */
export function createLogger(given: Logger | LoggerOptions | undefined): Logger {
  if (given && typeof (given as Logger).child === 'function') return (given as Logger).child({ lib: 'jetstate' });
  return pino({ name: 'jetstate', level: 'info', ...(given as LoggerOptions | undefined) });
}
