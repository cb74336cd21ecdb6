import { DurableApp } from '../../src/index';
import type { ContractAppOptions, ContractStore, EngineHarness } from '../contract/harness';
import { tempDir } from '../helpers';

/** The embedded engine: a store is a LevelDB directory; a restart reopens it. */
export const embeddedHarness: EngineHarness = {
  name: 'embedded',
  async newStore(): Promise<ContractStore> {
    const dir = await tempDir('jetstate-contract-');
    const apps: DurableApp[] = [];
    const create = async (options: ContractAppOptions): Promise<DurableApp> => {
      const app = await DurableApp.create({ logger: { level: 'silent' }, ...options, dataDir: dir.path });
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
