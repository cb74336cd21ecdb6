import { DurableApp } from '../../src/index';
import type { ContractAppOptions, ContractStore, EngineHarness } from '../contract/harness';
import { tempDir } from '../helpers';
import type { NatsServer } from '../../tools/nats-server';

let hubs = 0;

/**
 * The NATS engine: a store is a hub on a real nats-server (one server per test file, a
 * fresh hub per store); a restart opens a new app on the same hub.
 */
export function natsHarness(server: () => NatsServer): EngineHarness {
  return {
    name: 'nats',
    async newStore(): Promise<ContractStore> {
      const hub = `h${process.pid}_${++hubs}`;
      const dir = await tempDir('jetstate-nats-worker-');
      const apps: DurableApp[] = [];
      const create = async (options: ContractAppOptions): Promise<DurableApp> => {
        const app = await DurableApp.create({ logger: { level: 'silent' }, leaseTimeMs: 3000, ...options, nats: server().url, hub, dataDir: dir.path });
        apps.push(app);
        return app;
      };
      return {
        create,
        async open(options) {
          const app = await create(options);
          await app.start();
          return app;
        },
        async dispose() {
          await Promise.all(apps.map((app) => app.stop()));
          await dir.remove();
        },
      };
    },
  };
}
