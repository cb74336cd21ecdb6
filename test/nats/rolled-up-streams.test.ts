/**
 * `<hub>_STATE` and `<hub>_TIMERS` keep one message per subject through rollup headers, not
 * through `max_msgs_per_subject`: a nats-server 2.9 restarted after a SIGKILL can enforce
 * that limit on a stale index and drop a subject's newest message (docs/nats.md).
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { beforeAll, describe, expect, test } from 'vitest';
import { DurableApp } from '../../src/index';
import { partitionOf } from '../../src/internal';
import { Ledger } from '../contract/http-and-read-only.fixtures';
import { eventually } from '../eventually';
import { useSharedNatsServer } from './shared-nats-server';

const PARTITIONS = 4;

describe('streams that keep the last message of each subject', () => {
  const shared = useSharedNatsServer('rollup');
  let jsm: JetStreamManager;
  beforeAll(async () => {
    jsm = await jetstreamManager(shared.raw);
  });

  function worker(hub: string): Promise<DurableApp> {
    return shared.startWorker({ entities: [Ledger], hub, partitionCount: PARTITIONS });
  }

  async function expectRolledUp(hub: string): Promise<void> {
    for (const stream of [`${hub}_STATE`, `${hub}_TIMERS`]) {
      const { config } = await jsm.streams.info(stream);
      expect({ stream, perSubject: config.max_msgs_per_subject, rollup: config.allow_rollup_hdrs }).toEqual({ stream, perSubject: -1, rollup: true });
    }
  }

  test('a new hub creates them without a per-subject limit, and every commit replaces the entity’s previous snapshot', async () => {
    const hub = shared.nextHub();
    const app = await worker(hub);
    await expectRolledUp(hub);

    const ledger = app.client.entity(Ledger, 'books');
    for (let i = 1; i <= 5; i++) {
      await ledger.signal.add(1);
      await eventually(async () => (await ledger.read()).entityState?.total === i);
    }
    const subject = `${hub}.s.${partitionOf({ name: 'Ledger', key: 'books' }, PARTITIONS)}.Ledger.books`;
    const info = await jsm.streams.info(`${hub}_STATE`, { subjects_filter: subject });
    expect(info.state.subjects?.[subject]).toBe(1);
    const last = await jsm.streams.getMessage(`${hub}_STATE`, { last_by_subj: subject });
    expect(last?.header.get('Nats-Rollup')).toBe('sub');
  });

  test('a hub an earlier jetstate created with max_msgs_per_subject is changed in place when a worker starts', async () => {
    const hub = shared.nextHub();
    const first = await worker(hub);
    await first.client.entity(Ledger, 'books').signal.add(2);
    await first.stop();
    shared.open.splice(shared.open.indexOf(first), 1);
    for (const stream of [`${hub}_STATE`, `${hub}_TIMERS`]) {
      const { config } = await jsm.streams.info(stream);
      await jsm.streams.update(stream, { ...config, max_msgs_per_subject: 1, allow_rollup_hdrs: false });
    }

    const second = await worker(hub);
    await expectRolledUp(hub);
    const ledger = second.client.entity(Ledger, 'books');
    await ledger.signal.add(3);
    await eventually(async () => (await ledger.read()).entityState?.total === 5);
  });
});
