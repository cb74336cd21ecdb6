import { aggregatorsContract } from '../contract/aggregators.contract';
import { entityBasicsContract } from '../contract/entity-basics.contract';
import { failuresContract } from '../contract/failures.contract';
import { httpAndReadOnlyContract } from '../contract/http-and-read-only.contract';
import { orchestrationEntitiesContract } from '../contract/orchestration-entities.contract';
import { orchestrationOperationsContract } from '../contract/orchestration-operations.contract';
import { orchestrationsContract } from '../contract/orchestrations.contract';
import { streamsAndStorageContract } from '../contract/streams-and-storage.contract';
import { embeddedHarness } from './embedded-harness';

entityBasicsContract(embeddedHarness);
failuresContract(embeddedHarness);
streamsAndStorageContract(embeddedHarness);
orchestrationsContract(embeddedHarness);
orchestrationEntitiesContract(embeddedHarness);
orchestrationOperationsContract(embeddedHarness);
httpAndReadOnlyContract(embeddedHarness);
aggregatorsContract(embeddedHarness);
