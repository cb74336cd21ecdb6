import { afterAll, beforeAll } from 'vitest';
import { aggregatorsContract } from '../contract/aggregators.contract';
import { entityBasicsContract } from '../contract/entity-basics.contract';
import { failuresContract } from '../contract/failures.contract';
import { httpAndReadOnlyContract } from '../contract/http-and-read-only.contract';
import { orchestrationEntitiesContract } from '../contract/orchestration-entities.contract';
import { orchestrationOperationsContract } from '../contract/orchestration-operations.contract';
import { orchestrationsContract } from '../contract/orchestrations.contract';
import { streamsAndStorageContract } from '../contract/streams-and-storage.contract';
import { natsHarness } from './nats-harness';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.dispose());

const harness = natsHarness(() => server);
entityBasicsContract(harness);
failuresContract(harness);
streamsAndStorageContract(harness);
orchestrationsContract(harness);
orchestrationEntitiesContract(harness);
orchestrationOperationsContract(harness);
httpAndReadOnlyContract(harness);
aggregatorsContract(harness);
