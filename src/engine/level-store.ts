import { mkdir } from 'node:fs/promises';
import { Level } from 'level';
import { StorageError } from '../errors';

/** One write in an atomic batch. */
export type StoreOperation = { readonly type: 'put'; readonly key: string; readonly value: string } | { readonly type: 'del'; readonly key: string };

/** The LevelDB database of an embedded engine: string keys, string values. */
export class LevelStore {
  private constructor(
    private readonly db: Level<string, string>,
    readonly directory: string,
  ) {}

  /** Opens (creating if needed) the database in `directory`. */
  static async open(directory: string): Promise<LevelStore> {
    try {
      await mkdir(directory, { recursive: true });
      const db = new Level<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
      await db.open();
      return new LevelStore(db, directory);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') {
        throw new StorageError(
          `The data directory ${directory} is in use by another process (its LevelDB lock is held). ` +
            `Stop the other app, or give this one a different dataDir.`,
          { cause: error },
        );
      }
      throw new StorageError(`Could not open the LevelDB database in ${directory}: ${(error as Error).message}. Check the path and its permissions.`, {
        cause: error,
      });
    }
  }

  /** Writes all operations atomically; with `sync` they are on disk when this resolves. */
  async write(operations: readonly StoreOperation[], sync: boolean): Promise<void> {
    try {
      // The chained form costs a fraction of the array form's per-operation copying.
      const batch = this.db.batch();
      for (const op of operations) {
        if (op.type === 'put') batch.put(op.key, op.value);
        else batch.del(op.key);
      }
      await batch.write({ sync });
    } catch (error) {
      throw new StorageError(`Writing ${operations.length} record(s) to ${this.directory} failed: ${(error as Error).message}.`, { cause: error });
    }
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.db.get(key)) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return (await this.db.getMany(keys as string[])).map((v) => v ?? undefined);
  }

  /** Entries with `gte <= key < lt`, in key order, at most `limit` of them. */
  async range(gte: string, lt: string, limit?: number): Promise<[string, string][]> {
    return this.db.iterator({ gte, lt, ...(limit === undefined ? {} : { limit }) }).all();
  }

  /** Streams entries with `gte <= key < lt` in key order. */
  entries(gte: string, lt: string): AsyncIterable<[string, string]> {
    return this.db.iterator({ gte, lt });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
