import { DEFAULT_HUB } from '../client/hub-name';
import type { Backend } from './backend';
import { usageError } from './cli-errors';

/** The global options that say where to connect (flags, or the JETSTATE_* variables). */
export interface ConnectionOptions {
  readonly nats?: string;
  readonly hub?: string;
  readonly url?: string;
  readonly key?: string;
  readonly verbose?: boolean;
}

/** Connects to a NATS hub (`--nats`) or an HTTP API (`--url`), whichever was given. */
export async function connectBackend(options: ConnectionOptions): Promise<Backend> {
  if (options.nats !== undefined && options.url !== undefined) {
    throw usageError('Give either --nats (a hub) or --url (an HTTP API), not both (check JETSTATE_NATS and JETSTATE_URL too).');
  }
  // Each mode loads its own modules only: a command starts faster without the other's.
  if (options.url !== undefined)
    return new (await import('./http-backend.js')).HttpBackend({ url: options.url, ...(options.key === undefined ? {} : { key: options.key }) });
  if (options.nats !== undefined)
    return (await import('./nats-backend.js')).NatsBackend.connect({ nats: options.nats, hub: options.hub ?? DEFAULT_HUB, verbose: options.verbose === true });
  throw usageError(
    "Say where to connect: --nats nats://host:4222 --hub <name> (a NATS hub) or --url http://host:7071 (an app's HTTP API), or set JETSTATE_NATS / JETSTATE_URL.",
  );
}
