import { InvalidOptionsError } from '../errors';
import { DEFAULT_PARTITION_COUNT } from '../engine/partitioner';
import { validateRetention } from '../client/instance-retention';
import { assertValidHubName, DEFAULT_HUB } from '../client/hub-name';
import { systemClock } from '../runtime/clock';
import { DEFAULT_ACTIVITY_ACK_WAIT_MS } from '../engine/nats/activity-task-consumer';
import { DEFAULT_INPUT_RETENTION_MS } from '../engine/nats/input-retention';
import type { DurableAppOptions, DurableAppOptionsWithDefaults } from './durable-app-options';

const KNOWN_OPTIONS = new Set([
  'entities',
  'orchestrators',
  'activities',
  'dataDir',
  'logger',
  'resolve',
  'durability',
  'partitionCount',
  'maxBatchSize',
  'cacheCapacity',
  'nats',
  'hub',
  'leaseTimeMs',
  'inputRetentionMs',
  'replicas',
  'callTimeoutMs',
  'activityAckWaitMs',
  'clock',
  'maxConcurrentActivities',
  'instanceRetention',
]);

/** Checks the options once and fills in the defaults; throws {@link InvalidOptionsError} with the fix. */
export function validateOptions(options: DurableAppOptions): DurableAppOptionsWithDefaults {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('DurableApp.create needs an options object, e.g. { entities: [Counter] }.');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new InvalidOptionsError(`Unknown option '${key}'. Known options: ${[...KNOWN_OPTIONS].join(', ')}.`);
    }
  }
  if (options.entities !== undefined && !Array.isArray(options.entities)) {
    throw new InvalidOptionsError('entities must be an array of entity classes, e.g. { entities: [Counter] }.');
  }
  if (options.orchestrators !== undefined && !Array.isArray(options.orchestrators)) {
    throw new InvalidOptionsError('orchestrators must be an array of orchestrator classes, e.g. { orchestrators: [HelloSequence] }.');
  }
  if (options.activities !== undefined && !Array.isArray(options.activities)) {
    throw new InvalidOptionsError('activities must be an array of classes with @Activity() methods, e.g. { activities: [Greeter] }.');
  }
  if (options.dataDir !== undefined && (typeof options.dataDir !== 'string' || options.dataDir.length === 0)) {
    throw new InvalidOptionsError('dataDir must be a non-empty directory path.');
  }
  if (options.resolve !== undefined && typeof options.resolve !== 'function') {
    throw new InvalidOptionsError('resolve must be a function that returns a new instance of the class it is given.');
  }
  if (options.durability !== undefined && options.durability !== 'strict' && options.durability !== 'relaxed') {
    throw new InvalidOptionsError(`durability must be 'strict' or 'relaxed', got ${String(options.durability)}.`);
  }
  if (
    options.nats !== undefined &&
    typeof options.nats !== 'string' &&
    !Array.isArray(options.nats) &&
    (typeof options.nats !== 'object' || options.nats === null)
  ) {
    throw new InvalidOptionsError(`nats must be a server URL such as 'nats://127.0.0.1:4222', a list of them, or nats.js connection options.`);
  }
  if (options.hub !== undefined) assertValidHubName(options.hub);
  if (options.clock !== undefined && (typeof options.clock?.now !== 'function' || typeof options.clock.setTimer !== 'function')) {
    throw new InvalidOptionsError('clock must have now() and setTimer(fire, delayMs), like the ManualClock jetstate exports.');
  }
  if (options.nats === undefined) {
    const natsOnly = (['hub', 'leaseTimeMs', 'inputRetentionMs', 'replicas', 'callTimeoutMs', 'activityAckWaitMs'] as const).filter(
      (key) => options[key] !== undefined,
    );
    if (natsOnly.length > 0) {
      throw new InvalidOptionsError(`${natsOnly.join(', ')} only apply on NATS. Add nats: 'nats://host:4222', or remove them.`);
    }
  } else if (options.durability !== undefined) {
    throw new InvalidOptionsError(
      `durability applies to the embedded engine. On NATS the server's storage settings decide durability (see the README's section on NATS durability); remove durability.`,
    );
  }
  return {
    entities: options.entities ?? [],
    orchestrators: options.orchestrators ?? [],
    activities: options.activities ?? [],
    nats: options.nats,
    hub: options.hub ?? DEFAULT_HUB,
    leaseTimeMs: positiveInteger('leaseTimeMs', options.leaseTimeMs, 10_000, 3_600_000),
    replicas: replicaCount(options.replicas),
    inputRetentionMs: positiveInteger('inputRetentionMs', options.inputRetentionMs, DEFAULT_INPUT_RETENTION_MS, 7 * 24 * 3_600_000),
    callTimeoutMs: positiveInteger('callTimeoutMs', options.callTimeoutMs, 30_000, 3_600_000),
    activityAckWaitMs: positiveInteger('activityAckWaitMs', options.activityAckWaitMs, DEFAULT_ACTIVITY_ACK_WAIT_MS, 3_600_000),
    partitionCountGiven: options.partitionCount !== undefined,
    dataDir: options.dataDir ?? './.jetstate',
    logger: options.logger ?? { level: 'info' },
    resolve: options.resolve,
    durability: options.durability ?? 'strict',
    partitionCount: positiveInteger('partitionCount', options.partitionCount, DEFAULT_PARTITION_COUNT, 1024),
    maxBatchSize: positiveInteger('maxBatchSize', options.maxBatchSize, 1000, 100_000),
    cacheCapacity: positiveInteger('cacheCapacity', options.cacheCapacity, 100_000, 100_000_000),
    clock: options.clock ?? systemClock,
    maxConcurrentActivities: positiveInteger('maxConcurrentActivities', options.maxConcurrentActivities, 100, 100_000),
    instanceRetention: options.instanceRetention === undefined ? undefined : validateRetention(options.instanceRetention),
  };
}

function replicaCount(value: DurableAppOptions['replicas']): 1 | 3 | 5 {
  if (value === undefined) return 1;
  if (value !== 1 && value !== 3 && value !== 5) {
    throw new InvalidOptionsError(`replicas must be 1, 3 or 5 (an odd number, so a quorum exists), got ${String(value)}.`);
  }
  return value;
}

function positiveInteger(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidOptionsError(`${name} must be an integer from 1 to ${max}, got ${String(value)}.`);
  }
  return value;
}
