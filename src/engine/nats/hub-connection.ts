import { randomBytes } from 'node:crypto';
import { connect, nanos, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { InvalidOptionsError, TransportError } from '../../errors';
import { HubLayout } from './hub-layout';
import { JetStreamErrorCode, jetStreamErrorCode } from './jetstream-errors';
import { connectAdvice, isJetStreamUnavailable, isRequestTimeout } from './transport-errors';
import { ORDERED_CONSUMER_ATTEMPT_MS } from './ordered-consumers';
import { provisionBucket, provisionStreams, provisioningFailed, requireProvisionedHub, type HubReplicas } from './hub-provisioning';

/**
 * The least time a step of a partition start gets on a replicated hub. A cluster that lost a
 * server answers JetStream API requests slowly for a while: its streams, consumers and
 * buckets elect new leaders, and a worker taking over a dead worker's partitions starts many
 * at once. Giving a step up sooner only makes it start over.
 */
export const CLUSTER_START_STEP_MS = 20_000;

/** Tries to create a partition's consumer on a replicated hub before its start fails. */
const CONSUMER_CREATE_ATTEMPTS = 3;

/** Where and how to connect: a server URL, several, or nats.js connection options. */
export type NatsServers = string | string[] | NodeConnectionOptions;

/** A connection to a hub, with its streams, buckets and settings in place. */
export interface HubConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  /**
   * The client that opens ordered consumers (see {@link openOrderedConsumer}): on a
   * replicated hub its requests time out after {@link ORDERED_CONSUMER_ATTEMPT_MS}.
   */
  readonly orderedJs: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly layout: HubLayout;
  readonly partitionCount: number;
  readonly maxPayload: number;
  readonly workerId: string;
  /** The lease time in force: the TTL of the hub's lease bucket (whoever created it chose it). */
  readonly leaseTimeMs: number;
  /**
   * How long one step of starting a partition (reading its snapshots, creating its consumer,
   * opening its timers) may take before the partition is given up: twice the lease time, and
   * at least {@link CLUSTER_START_STEP_MS} on a replicated hub.
   */
  readonly startStepMs: number;
  /** The hub's settings bucket (`<hub>_config`). */
  readonly config: KV;
  /** Lease buckets; only workers open them. */
  readonly leases?: KV;
  readonly workers?: KV;
  /**
   * Replaces the durable consumer of a partition with a fresh one that starts at the
   * oldest message the partition still keeps: every input acknowledged within the input
   * retention comes again (and is skipped where a snapshot covers it), then everything
   * left unacknowledged, in stream order, before anything newer. Resolves with the
   * previous consumer's acknowledgement floor (0 when there was none): every input at or
   * below it had been applied and committed; and whether there was a previous consumer
   * (true unless the server said it had none).
   */
  resetConsumer(partition: number, ackWaitMs: number): Promise<{ readonly previousAckFloor: number; readonly hadConsumer: boolean }>;
  /** The ids of the workers whose heartbeat is current (workers only). */
  liveWorkers(): Promise<string[]>;
  close(): Promise<void>;
}

/** What {@link connectHub} needs. */
export interface ConnectHubOptions {
  readonly servers: NatsServers;
  readonly hub: string;
  /** The partition count this process expects; the hub's stored count wins if it has one. */
  readonly partitionCount: number;
  /** True when the caller set `partitionCount` itself: a mismatch with the hub is then an error. */
  readonly partitionCountGiven: boolean;
  readonly leaseTimeMs: number;
  readonly logger: Logger;
  /**
   * Workers provision the hub (create or check its streams and buckets, open the lease
   * buckets with the lease time as their TTL); client-only processes only use it.
   */
  readonly hostsEntities: boolean;
  /** Copies of each stream and bucket (workers). */
  readonly replicas: HubReplicas;
}

/**
 * Connects to NATS (reconnecting forever, so a server restart is survived) and makes
 * sure the hub's streams and KV buckets exist. Creating them is idempotent, so every
 * process of a hub can do it on start.
 */
export async function connectHub(options: ConnectHubOptions): Promise<HubConnection> {
  const layout = new HubLayout(options.hub);
  const base: NodeConnectionOptions = typeof options.servers === 'object' && !Array.isArray(options.servers) ? options.servers : { servers: options.servers };
  let nc: NatsConnection;
  try {
    // noAsyncTraces: nats.js otherwise builds an Error (a stack trace) for every request,
    // which costs about a third of the client's CPU per publish.
    nc = await connect({ maxReconnectAttempts: -1, reconnectTimeWait: 250, noAsyncTraces: true, name: `jetstate:${options.hub}`, ...base });
  } catch (error) {
    throw new TransportError(
      `Could not connect to NATS at ${JSON.stringify(base.servers ?? 'localhost:4222')}: ${(error as Error).message}. ${connectAdvice(error)}`,
      {
        cause: error,
      },
    );
  }
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const orderedJs = options.replicas > 1 ? jetstream(nc, { timeout: ORDERED_CONSUMER_ATTEMPT_MS }) : js;
    let config: KV;
    if (options.hostsEntities) {
      await provisionStreams(jsm, layout, options.replicas);
      config = await provisionBucket(js, jsm, layout.configBucket, {}, options.replicas);
    } else {
      await requireProvisionedHub(jsm, layout);
      config = await new Kvm(js).open(layout.configBucket);
    }
    const partitionCount = await agreePartitionCount(config, options);
    const leases = options.hostsEntities ? await provisionBucket(js, jsm, layout.leaseBucket, { ttl: options.leaseTimeMs }, options.replicas) : undefined;
    const workers = options.hostsEntities ? await provisionBucket(js, jsm, layout.workerBucket, { ttl: options.leaseTimeMs }, options.replicas) : undefined;
    let leaseTimeMs = options.leaseTimeMs;
    if (leases) {
      const bucketTtl = (await leases.status()).ttl;
      if (bucketTtl > 0 && bucketTtl !== leaseTimeMs) {
        options.logger.warn(
          { hub: options.hub, asked: leaseTimeMs, inForce: bucketTtl },
          'the hub was created with another lease time; using it (every worker of a hub must renew on the same schedule)',
        );
        leaseTimeMs = bucketTtl;
      }
    }
    return {
      leaseTimeMs,
      startStepMs: options.replicas > 1 ? Math.max(2 * leaseTimeMs, CLUSTER_START_STEP_MS) : 2 * leaseTimeMs,
      config,
      nc,
      js,
      orderedJs,
      jsm,
      layout,
      partitionCount,
      maxPayload: nc.info?.max_payload ?? 1024 * 1024,
      workerId: randomBytes(9)
        .toString('base64url')
        .replace(/[^A-Za-z0-9]/g, 'x'),
      ...(leases && workers ? { leases, workers } : {}),
      async resetConsumer(partition, ackWaitMs) {
        const name = layout.consumerName(partition);
        let consumerMissing = false;
        const previous = await jsm.consumers.info(layout.workStream, name).catch((error: unknown) => {
          consumerMissing = jetStreamErrorCode(error) === JetStreamErrorCode.ConsumerNotFound;
          return undefined;
        });
        await jsm.consumers.delete(layout.workStream, name).catch(() => undefined);
        const config = {
          durable_name: name,
          filter_subject: layout.workFilter(partition),
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: nanos(ackWaitMs),
          max_ack_pending: 20_000,
        };
        // Creating a replicated consumer can outlast one request while the cluster elects
        // leaders. Creating it again with the same settings is safe: the server answers with
        // the consumer it made.
        for (let attempt = 1; ; attempt++) {
          try {
            await jsm.consumers.add(layout.workStream, config);
            break;
          } catch (error) {
            if (options.replicas === 1 || attempt === CONSUMER_CREATE_ATTEMPTS || !isRequestTimeout(error)) throw error;
          }
        }
        return { previousAckFloor: previous?.ack_floor.stream_seq ?? 0, hadConsumer: !consumerMissing };
      },
      async liveWorkers() {
        if (!workers) return [];
        // Not KV keys(): on nats-server 2.9 its consumer can wait forever once entries have
        // expired. The stream's subject counts come from one request and reflect expiry.
        const stream = `KV_${layout.workerBucket}`;
        const prefix = `$KV.${layout.workerBucket}.`;
        const info = await jsm.streams.info(stream, { subjects_filter: `${prefix}>` });
        const ids = Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
        const entries = await Promise.all(ids.map((id) => workers.get(id)));
        return ids.filter((_, i) => entries[i]?.operation === 'PUT');
      },
      async close() {
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (error) {
    await nc.close();
    if (isJetStreamUnavailable(error)) {
      throw new TransportError(
        `The NATS server at ${JSON.stringify(base.servers ?? 'localhost:4222')} does not have JetStream enabled. Start nats-server with -js (and a store directory, -sd).`,
        { cause: error },
      );
    }
    throw provisioningFailed(error, options.hub);
  }
}

async function agreePartitionCount(config: KV, options: ConnectHubOptions): Promise<number> {
  const entry = await config.get('partitions');
  if (entry && entry.operation === 'PUT') {
    const stored = Number(new TextDecoder().decode(entry.value));
    if (options.partitionCountGiven && stored !== options.partitionCount) {
      throw new InvalidOptionsError(
        `Hub '${options.hub}' has ${stored} partitions; this process asked for ${options.partitionCount}. ` +
          `A hub's partition count is fixed: remove the partitionCount option, or use another hub.`,
      );
    }
    return stored;
  }
  try {
    await config.create('partitions', new TextEncoder().encode(String(options.partitionCount)));
    return options.partitionCount;
  } catch {
    // Another process created it first: use theirs.
    return agreePartitionCount(config, { ...options, partitionCountGiven: options.partitionCountGiven });
  }
}
