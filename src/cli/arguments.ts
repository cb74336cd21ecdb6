import { OrchestrationRuntimeStatus } from '../runtime/orchestration/orchestration-status';
import type { EntityRef } from './backend';
import { usageError } from './cli-errors';

/** Parses `Name/key` (the key may itself contain `/`). */
export function parseEntityRef(text: string): EntityRef {
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) {
    throw usageError(`'${text}' is not an entity: write it as <Name>/<key>, e.g. Counter/visits.`);
  }
  return { name: text.slice(0, slash), key: text.slice(slash + 1) };
}

/** Parses `Name` or `Name/key`. */
export function parseEntityTarget(text: string): { readonly name: string; readonly key?: string } {
  if (!text.includes('/')) {
    if (text.length === 0) throw usageError(`Give an entity name (<Name>) or one entity (<Name>/<key>).`);
    return { name: text };
  }
  return parseEntityRef(text);
}

/** Parses a JSON argument (an input, event data...); `undefined` when it was not given. */
export function parseJsonArgument(text: string | undefined, what: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw usageError(`The ${what} '${text}' is not valid JSON. Quote it for the shell: 5, '"text"', '{"amount": 5}'.`);
  }
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time: an ISO 8601 date (`2026-05-01`, `2026-05-01T12:00:00Z`) or an age such as
 * `30s`, `15m`, `2h`, `7d`, `1w` (that long before now).
 */
export function parseTime(text: string, option: string, now = Date.now()): Date {
  const age = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  if (age) return new Date(now - Number(age[1]) * UNIT_MS[age[2]!]!);
  const date = new Date(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(date.getTime())) return date;
  throw usageError(`${option} '${text}' is neither an ISO 8601 date (2026-05-01, 2026-05-01T12:00:00Z) nor an age (30s, 15m, 2h, 7d, 1w).`);
}

const STATUSES = Object.values(OrchestrationRuntimeStatus) as string[];

/** Parses a comma list of runtime statuses, matched without regard to case. */
export function parseStatuses(text: string, allowed: readonly string[] = STATUSES): string[] {
  return text.split(',').map((part) => {
    const status = allowed.find((known) => known.toLowerCase() === part.trim().toLowerCase());
    if (!status) throw usageError(`'${part.trim()}' is not a status here: use ${allowed.join(', ')} (a comma list).`);
    return status;
  });
}

/** A positive integer option or argument. */
export function parsePositiveInteger(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) throw usageError(`${what} must be a positive integer, got '${text}'.`);
  return value;
}

/** A number of seconds (`--timeout`), as milliseconds. */
export function parseSeconds(text: string, what: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw usageError(`${what} must be a positive number of seconds, got '${text}'.`);
  return Math.round(value * 1000);
}

/** `--nats` as the client takes it: one URL or a comma list. */
export function natsServers(nats: string): string[] {
  return nats
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
}
