import type { Telemetry } from './telemetry-types';
import { NOOP_TELEMETRY } from './noop-telemetry';
import { openTelemetry } from './open-telemetry';

export type { BatchSpan, ClientAction, LeaseChange, OperationSpan, Telemetry } from './telemetry-types';
export { NOOP_OPERATION_SPAN, NOOP_TELEMETRY } from './noop-telemetry';

let current: Telemetry = NOOP_TELEMETRY;
let loading: Promise<Telemetry> | undefined;

/** The telemetry in use in this process. */
export function telemetry(): Telemetry {
  return current;
}

/** Replaces the telemetry in use (benchmarks compare the no-op with the API's). */
export function useTelemetry(next: Telemetry): void {
  current = next;
}

/**
 * Looks for `@opentelemetry/api` once per process and, when it is installed, switches to
 * telemetry over it. Called when an app or a client is created. Without the package,
 * telemetry stays the no-op.
 */
export function loadTelemetry(): Promise<Telemetry> {
  loading ??= (async () => {
    try {
      const api = await import('@opentelemetry/api');
      // Still the default: a caller may have chosen its own with useTelemetry meanwhile.
      // The ESM and CommonJS builds of the API declare their types apart; at run time both share the API's global state.
      if (current === NOOP_TELEMETRY) current = openTelemetry(api as unknown as Parameters<typeof openTelemetry>[0]);
    } catch (error) {
      // Not installed: tracing is an optional peer, so stay silent. Anything else is a real fault.
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    }
    return current;
  })();
  return loading;
}
