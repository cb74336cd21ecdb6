import { createInbox } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableApp } from '../../src/index';
import { partitionOf } from '../../src/internal';
import { Ledger, Relay } from './fixtures/entities';
import { Scenario, disposeScenarios, waitFor } from './support';

const apps: DurableApp[] = [];

afterEach(async () => {
  await Promise.allSettled(apps.splice(0).map((app) => app.stop()));
  await disposeScenarios();
});

describe('NATS partition consumer taken over by a stale puller', () => {
  // A worker that was paused past its lease (SIGSTOP, a long GC pause, a network cut) can
  // still have pull requests out on a partition's durable consumer, which the new owner has
  // recreated under the same name. Whatever such a puller takes is never acknowledged and
  // comes back after the ack wait, behind newer messages. The new owner must notice that a
  // delivery went elsewhere, including the very first one of its consumer, or it applies a
  // newer message of an entity first and then skips the older one as a duplicate.
  it('an acknowledged signal survives another puller taking the first delivery of a fresh consumer', async () => {
    const key = 'ledger-7';
    const partition = partitionOf({ name: 'Ledger', key }, 32);
    // The stale puller has to get its request in between the owner creating the consumer and
    // pulling from it; when the owner is faster, nothing is taken and the setup is tried again.
    for (let attempt = 1; attempt <= 10; attempt++) {
      const scenario = await Scenario.open(`stale${attempt}`, 2000);
      // Creating the worker provisions the hub; it takes no partition until it starts.
      const app = await DurableApp.create({
        entities: [Ledger, Relay],
        nats: scenario.server.url,
        hub: scenario.hub,
        leaseTimeMs: 2000,
        logger: { level: 'silent' },
      });
      apps.push(app);
      const client = await scenario.client();
      await client.entity(Ledger, key).signal.record(1);
      await client.entity(Ledger, key).signal.record(2);

      // One pull request, sent as soon as the partition's consumer is created; never acknowledged.
      const taken: unknown[] = [];
      const inbox = createInbox();
      scenario.raw.subscribe(inbox, {
        callback: (_error, msg) => {
          if (msg.data.length > 0) taken.push(JSON.parse(new TextDecoder().decode(msg.data)));
        },
      });
      let pulled = false;
      scenario.raw.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.CREATED.${scenario.hub}_WORK.p${partition}`, {
        callback: () => {
          if (pulled) return;
          pulled = true;
          scenario.raw.publish(`$JS.API.CONSUMER.MSG.NEXT.${scenario.hub}_WORK.p${partition}`, JSON.stringify({ batch: 1, expires: 20_000_000_000 }), {
            reply: inbox,
          });
        },
      });
      await scenario.raw.flush();

      await app.start();

      // Both signals leave the work queue once the owner acknowledged them (a taken one after its ack wait).
      await waitFor(
        'the work queue drains',
        async () => (await scenario.workPending()) === 0,
        20_000,
        () => scenario.describeWork(),
      );
      const records = (await client.entity(Ledger, key).read()).entityState?.records;
      await Promise.allSettled(apps.splice(0).map((a) => a.stop()));
      await disposeScenarios();
      if (taken.length === 0) continue;
      expect(records, `the first delivery went to the stale puller (attempt ${attempt})`).toEqual([1, 2]);
      return;
    }
    throw new Error('the stale puller never got its request in first in 10 attempts');
  }, 60_000);
});
