import type { DurableApp, DurableAppOptions } from '../../src/index';

/** Options a contract test passes when it opens an app (storage location is the harness's). */
export type ContractAppOptions = Omit<DurableAppOptions, 'dataDir'>;

/** Durable storage that apps can be opened on, closed, and opened on again (a restart). */
export interface ContractStore {
  /** Creates and starts an app on this store. */
  open(options: ContractAppOptions): Promise<DurableApp>;
  /** Creates an app on this store without starting it. */
  create(options: ContractAppOptions): Promise<DurableApp>;
  /** Stops every app still open and removes the storage. */
  dispose(): Promise<void>;
}

/** What an engine provides to run the shared contract suite. */
export interface EngineHarness {
  readonly name: string;
  newStore(): Promise<ContractStore>;
}
