import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DefinitionError, DurableApp, Entity, InvalidOptionsError, Operation, StorageError } from '../../src/index';
import { Counter } from '../contract/fixtures';
import { startApp, tempDir } from '../helpers';

@Entity('Counter')
class CounterTwin {
  n = 0;
  @Operation() bump(): void {
    this.n++;
  }
}

describe('DurableApp lifecycle (embedded)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const apps: DurableApp[] = [];
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
    await dir.remove();
  });

  test('options are validated with a message that says what is expected', async () => {
    await expect(DurableApp.create({ dataDir: dir.path, entitys: [Counter] } as never)).rejects.toThrow(/Unknown option 'entitys'/);
    await expect(DurableApp.create({ dataDir: dir.path, durability: 'fast' as never })).rejects.toThrow(InvalidOptionsError);
    await expect(DurableApp.create({ dataDir: dir.path, partitionCount: 0 })).rejects.toThrow(/partitionCount must be an integer from 1/);
    await expect(DurableApp.create({ dataDir: '' })).rejects.toThrow(/dataDir/);
  });

  test('a wrong entity list is refused at create, before storage is touched', async () => {
    await expect(DurableApp.create({ dataDir: dir.path, entities: [Counter, CounterTwin] })).rejects.toThrow(DefinitionError);
    await expect(DurableApp.create({ dataDir: dir.path, entities: [Counter, CounterTwin] })).rejects.toThrow(/Two entity classes are named 'Counter'/);
    // The directory is still usable: nothing holds its lock.
    apps.push(await startApp(dir.path, { entities: [Counter] }));
  });

  test('a second app on the same data directory gets a StorageError naming the lock', async () => {
    apps.push(await startApp(dir.path, { entities: [Counter] }));
    const second = DurableApp.create({ dataDir: dir.path, entities: [Counter], logger: { level: 'silent' } });
    await expect(second).rejects.toBeInstanceOf(StorageError);
    await expect(DurableApp.create({ dataDir: dir.path, entities: [Counter], logger: { level: 'silent' } })).rejects.toThrow(/in use by another process/);
  });

  test('stats() counts applied and failed operations', async () => {
    const app = await startApp(dir.path, { entities: [Counter] });
    apps.push(app);
    const counter = app.client.entity(Counter, 'k');
    await Promise.all([counter.signal.add(1), counter.signal.addThenFail(5), counter.signal.add(1)]);
    await counter.call.get();
    const stats = app.stats();
    expect(stats.applied).toBe(3);
    expect(stats.failed).toBe(1);
    expect(stats.backlog).toBe(0);
    expect(stats.batches).toBeGreaterThanOrEqual(1);
  });

  test('stop() is idempotent and a stopped directory can be reopened', async () => {
    const app = await startApp(dir.path, { entities: [Counter] });
    await app.client.entity(Counter, 'k').call.increment();
    await Promise.all([app.stop(), app.stop()]);
    const again = await startApp(dir.path, { entities: [Counter] });
    apps.push(again);
    expect(await again.client.entity(Counter, 'k').call.get()).toBe(1);
  });
});
