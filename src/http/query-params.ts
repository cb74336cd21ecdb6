import { InvalidOptionsError } from '../errors';
import { OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';

/** A request's query string as fastify parses it. */
export type Query = Readonly<Record<string, string | string[] | undefined>>;

const RUNTIME_STATUSES = Object.values(OrchestrationRuntimeStatus) as string[];

/**
 * Typed reads of query parameters. A value of the wrong type is refused with an
 * `InvalidOptionsError` (`400`) naming the parameter and what it takes, rather than
 * ignored: a filter that silently matched everything could purge too much.
 */
export class QueryParams {
  constructor(private readonly query: Query) {}

  /** The parameter's text, `undefined` when absent; refused when given twice. */
  string(name: string): string | undefined {
    const value = this.query[name];
    if (Array.isArray(value)) throw new InvalidOptionsError(`Query parameter '${name}' is given ${value.length} times; give it once.`);
    return value;
  }

  /** `true` / `false` (any case); `fallback` when absent. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.string(name);
    if (value === undefined || value === '') return fallback;
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
    throw new InvalidOptionsError(`Query parameter '${name}' must be true or false, got '${value.slice(0, 40)}'.`);
  }

  /** A whole number from `min` to `max`; `undefined` when absent. */
  integer(name: string, min: number, max: number): number | undefined {
    const value = this.string(name);
    if (value === undefined || value === '') return undefined;
    const number = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      throw new InvalidOptionsError(`Query parameter '${name}' must be a whole number from ${min} to ${max}, got '${value.slice(0, 40)}'.`);
    }
    return number;
  }

  /** An ISO 8601 date-time such as `2026-01-31T12:00:00Z`; `undefined` when absent. */
  date(name: string): Date | undefined {
    const value = this.string(name);
    if (value === undefined || value === '') return undefined;
    const date = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
    if (!Number.isFinite(date.getTime())) {
      throw new InvalidOptionsError(`Query parameter '${name}' must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z, got '${value.slice(0, 40)}'.`);
    }
    return date;
  }

  /** A comma-separated list of runtime statuses (`Running,Completed`); `undefined` when absent. */
  runtimeStatuses(name: string): OrchestrationRuntimeStatus[] | undefined {
    const value = this.string(name);
    if (value === undefined || value === '') return undefined;
    const statuses = value.split(',').map((status) => status.trim());
    const wrong = statuses.filter((status) => !RUNTIME_STATUSES.includes(status));
    if (wrong.length > 0) {
      throw new InvalidOptionsError(
        `Query parameter '${name}' has unknown status${wrong.length > 1 ? 'es' : ''} ${wrong.map((s) => `'${s.slice(0, 40)}'`).join(', ')}. Statuses: ${RUNTIME_STATUSES.join(', ')}.`,
      );
    }
    return statuses as OrchestrationRuntimeStatus[];
  }
}
