import type { Registry } from '../../registry/registry';
import type { EngineOptions } from '../engine-options';
import type { EntityExecutor } from '../../runtime/entity-executor';
import { LevelStore } from '../level-store';
import { DEFAULT_ACTIVITY_ACK_WAIT_MS } from './activity-task-consumer';
import { DEFAULT_INPUT_RETENTION_MS } from './input-retention';
import { connectHub, type NatsServers } from './hub-connection';
import type { HubReplicas } from './hub-provisioning';
import { LocalSnapshots } from './local-snapshots';
import { NatsEngine } from './nats-engine';

/** What it takes to open a NATS engine. */
export interface OpenNatsEngineOptions extends EngineOptions {
  readonly servers: NatsServers;
  readonly hubName: string;
  /** Whether `partitionCount` was given: an existing hub's stored count wins otherwise. */
  readonly partitionCountGiven: boolean;
  readonly leaseTimeMs: number;
  /** Copies of each stream and bucket a worker provisions. Default 1. */
  readonly replicas?: HubReplicas;
  /** How long acknowledged inputs stay on the server (workers). */
  readonly inputRetentionMs?: number;
  readonly callTimeoutMs: number;
  /** How long a task a dead worker took waits before it is delivered again (workers). */
  readonly activityAckWaitMs?: number;
  readonly registry: Registry;
  /**
   * A worker hosts entities: this builds its executor, given the largest state a snapshot
   * message can carry. Without it the engine is client-only.
   */
  readonly createExecutor?: (limits: { maxStateBytes: number; maxMessageBytes: number }) => EntityExecutor;
  /** A worker's data directory for its local snapshot copy; without one, snapshots are read from the server. */
  readonly dataDir?: string;
}

/** Room kept in a message for its envelope and headers. */
const ENVELOPE_BYTES = 1024;

/** Connects to a hub (creating its streams and buckets if needed) and builds the engine. */
export async function openNatsEngine(options: OpenNatsEngineOptions): Promise<NatsEngine> {
  const connection = await connectHub({
    servers: options.servers,
    hub: options.hubName,
    partitionCount: options.partitionCount,
    partitionCountGiven: options.partitionCountGiven,
    leaseTimeMs: options.leaseTimeMs,
    logger: options.logger,
    hostsEntities: options.createExecutor !== undefined,
    replicas: options.replicas ?? 1,
  });
  let local: LocalSnapshots | undefined;
  if (options.createExecutor && options.dataDir !== undefined) {
    try {
      local = new LocalSnapshots(await LevelStore.open(options.dataDir), connection.orderedJs, connection.jsm, connection.layout, connection.startStepMs);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }
  return new NatsEngine({
    ...(local ? { local } : {}),
    connection,
    registry: options.registry,
    logger: options.logger.child({ engine: 'nats', hub: options.hubName }),
    ...(options.createExecutor
      ? { executor: options.createExecutor({ maxStateBytes: connection.maxPayload - ENVELOPE_BYTES, maxMessageBytes: connection.maxPayload - ENVELOPE_BYTES }) }
      : {}),
    leaseTimeMs: connection.leaseTimeMs,
    inputRetentionMs: options.inputRetentionMs ?? DEFAULT_INPUT_RETENTION_MS,
    maxBatchSize: options.maxBatchSize,
    cacheCapacity: options.cacheCapacity,
    callTimeoutMs: options.callTimeoutMs,
    activityAckWaitMs: options.activityAckWaitMs ?? DEFAULT_ACTIVITY_ACK_WAIT_MS,
    clock: options.clock,
    ...(options.activities ? { activities: options.activities } : {}),
    activityConcurrency: options.activityConcurrency,
  });
}
