import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { DurableApp, type DurableAppOptions } from '../../src/index';

/** What a suite sharing one nats-server gets from {@link useSharedNatsServer}. */
export interface SharedNatsServer {
  /** The server (set before the first test). */
  readonly server: NatsServer;
  /** A plain connection to it, for setting conditions up by hand. */
  readonly raw: NatsConnection;
  /** Apps and clients to stop after each test. */
  readonly open: { stop(): Promise<void> }[];
  /** A fresh hub name for each test, so tests on the shared server never see each other. */
  nextHub(): string;
  /** Creates and starts a worker on the shared server (quiet, 3 s leases unless given), stopped after the test. */
  startWorker(options: DurableAppOptions): Promise<DurableApp>;
}

/**
 * One nats-server for a whole suite (started before it, removed after it), a raw
 * connection to it, and the apps and clients a test opened stopped after that test.
 */
export function useSharedNatsServer(hubPrefix: string): SharedNatsServer {
  let hubs = 0;
  const shared = {
    server: undefined as unknown as NatsServer,
    raw: undefined as unknown as NatsConnection,
    open: [] as { stop(): Promise<void> }[],
    nextHub: () => `${hubPrefix}${process.pid}_${++hubs}`,
    startWorker: async (options: DurableAppOptions) => {
      const app = await DurableApp.create({ nats: shared.server.url, logger: { level: 'silent' }, leaseTimeMs: 3000, ...options });
      shared.open.push(app);
      await app.start();
      return app;
    },
  };
  beforeAll(async () => {
    shared.server = await startNatsServer();
    shared.raw = await connect({ servers: shared.server.url });
  });
  afterEach(async () => {
    await Promise.all(shared.open.splice(0).map((o) => o.stop()));
  });
  afterAll(async () => {
    await shared.raw?.close();
    await shared.server?.dispose();
  });
  return shared;
}
