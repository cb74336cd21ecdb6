import { nanos } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { InvalidOptionsError, TransportError } from '../../errors';
import type { HubLayout } from './hub-layout';
import { JetStreamErrorCode, isReplicaPlacementRefused, jetStreamErrorCode } from './jetstream-errors';

const DUPLICATE_WINDOW_MS = 2 * 60_000;
const DEAD_LETTER_MAX_AGE_MS = 7 * 24 * 3600_000;

/** A stream that keeps the last message of each subject through rollup headers (written by `HubClient`). */
const ROLLED_UP = { max_msgs_per_subject: -1, allow_rollup_hdrs: true } as const;

/** How many copies of each stream and bucket a hub keeps: one server, or a quorum of a cluster. */
export type HubReplicas = 1 | 3 | 5;

/** What a hub's streams must look like. */
type StreamSpec = Partial<StreamConfig> & { name: string; subjects: string[] };

/** The streams of a hub and the settings jetstate relies on. */
export function hubStreams(layout: HubLayout, replicas: HubReplicas): StreamSpec[] {
  const common = { storage: StorageType.File, discard: DiscardPolicy.Old, num_replicas: replicas };
  return [
    // Not a work queue: an acknowledgement must not delete an input before the snapshots
    // that cover it are safe on the server (see InputRetention).
    { ...common, name: layout.workStream, subjects: [layout.workFilter()], retention: RetentionPolicy.Limits, duplicate_window: nanos(DUPLICATE_WINDOW_MS) },
    // One message per subject by rollup (each write purges the subject's older ones), not by
    // max_msgs_per_subject: after a SIGKILL, nats-server 2.9 can enforce that limit on a
    // stale index and drop a subject's newest message (see docs/nats.md).
    { ...common, name: layout.stateStream, subjects: [layout.stateFilter()], retention: RetentionPolicy.Limits, ...ROLLED_UP, allow_direct: true },
    {
      ...common,
      name: layout.timerStream,
      subjects: [layout.timerFilter()],
      retention: RetentionPolicy.Limits,
      ...ROLLED_UP,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    },
    {
      ...common,
      name: layout.activityStream,
      subjects: [layout.activityFilter()],
      retention: RetentionPolicy.Workqueue,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    },
    {
      ...common,
      name: layout.deadLetterStream,
      subjects: [`${layout.hubName}.dlq.>`],
      retention: RetentionPolicy.Limits,
      max_age: nanos(DEAD_LETTER_MAX_AGE_MS),
    },
  ];
}

/** Settings JetStream cannot change on an existing stream, and the ones it can. */
const FIXED = ['retention', 'storage'] as const;
const UPDATABLE = ['num_replicas', 'duplicate_window', 'max_msgs_per_subject', 'allow_rollup_hdrs', 'max_age', 'allow_direct'] as const;

/**
 * Creates each stream of the hub that is missing, and checks the ones that exist against
 * what the hub needs: settings that can change in place are updated; a different retention,
 * storage or subject list is refused with the way to migrate.
 */
export async function provisionStreams(jsm: JetStreamManager, layout: HubLayout, replicas: HubReplicas): Promise<void> {
  for (const spec of hubStreams(layout, replicas)) {
    let info: StreamInfo;
    try {
      info = await jsm.streams.info(spec.name);
    } catch (error) {
      if (jetStreamErrorCode(error) !== JetStreamErrorCode.StreamNotFound) throw error;
      await createStream(jsm, spec, replicas);
      continue;
    }
    refuseFixedMismatch(layout, spec, info);
    const changed = UPDATABLE.filter((key) => spec[key] !== undefined && info.config[key] !== spec[key]);
    if (changed.length > 0) {
      const update: Partial<StreamConfig> = { ...info.config };
      for (const key of changed) (update as Record<string, unknown>)[key] = spec[key];
      await updateStream(jsm, spec.name, update, replicas);
    }
  }
}

/** Opens (or creates) a KV bucket with the hub's replica count, raising or lowering an existing one's. */
export async function provisionBucket(
  js: JetStreamClient,
  jsm: JetStreamManager,
  bucket: string,
  options: { ttl?: number },
  replicas: HubReplicas,
): Promise<KV> {
  let kv: KV;
  try {
    kv = await new Kvm(js).create(bucket, { history: 1, replicas, ...(options.ttl === undefined ? {} : { ttl: options.ttl }) });
  } catch (error) {
    throw replicasRefused(error, replicas, `KV bucket ${bucket}`) ?? error;
  }
  const status = await kv.status();
  if (status.replicas !== replicas) {
    const stream = `KV_${bucket}`;
    const info = await jsm.streams.info(stream);
    await updateStream(jsm, stream, { ...info.config, num_replicas: replicas }, replicas);
  }
  return kv;
}

/** A client-only process uses a hub its workers provisioned; it creates nothing. */
export async function requireProvisionedHub(jsm: JetStreamManager, layout: HubLayout): Promise<void> {
  try {
    await jsm.streams.info(layout.workStream);
  } catch (error) {
    if (jetStreamErrorCode(error) !== JetStreamErrorCode.StreamNotFound) throw error;
    throw new InvalidOptionsError(
      `Hub '${layout.hubName}' does not exist on this NATS server (no stream ${layout.workStream}). Start one of its workers first (workers create the hub's streams and buckets), or check the hub name and server.`,
    );
  }
}

function refuseFixedMismatch(layout: HubLayout, spec: StreamSpec, info: StreamInfo): void {
  const migrate = `Migrate: stop the clients, let the workers apply what is queued, stop the workers, delete the stream (nats stream rm ${spec.name}), then start the workers again; they create it with the right settings.`;
  if (spec.name === layout.workStream && info.config.retention === RetentionPolicy.Workqueue) {
    throw new InvalidOptionsError(
      `Stream ${spec.name} of hub '${layout.hubName}' is a work queue (created by an earlier jetstate), which deletes inputs on acknowledgement and cannot recover snapshots a NATS server crash lost. ${migrate}`,
    );
  }
  for (const key of FIXED) {
    if (spec[key] !== undefined && info.config[key] !== spec[key]) {
      throw new InvalidOptionsError(
        `Stream ${spec.name} of hub '${layout.hubName}' has ${key} '${String(info.config[key])}', but the hub needs '${String(spec[key])}', which cannot be changed in place. ${migrate}`,
      );
    }
  }
  const subjects = [...(info.config.subjects ?? [])].sort().join(',');
  if (subjects !== [...spec.subjects].sort().join(',')) {
    throw new InvalidOptionsError(
      `Stream ${spec.name} of hub '${layout.hubName}' captures subjects [${subjects}], but the hub needs [${spec.subjects.join(', ')}]. Another application may use the name; use another hub name, or ${migrate.charAt(0).toLowerCase()}${migrate.slice(1)}`,
    );
  }
}

async function createStream(jsm: JetStreamManager, spec: StreamSpec, replicas: HubReplicas): Promise<void> {
  try {
    await jsm.streams.add(spec);
  } catch (error) {
    throw replicasRefused(error, replicas, `stream ${spec.name}`) ?? error;
  }
}

async function updateStream(jsm: JetStreamManager, name: string, config: Partial<StreamConfig>, replicas: HubReplicas): Promise<void> {
  try {
    await jsm.streams.update(name, config);
  } catch (error) {
    throw replicasRefused(error, replicas, `stream ${name}`) ?? error;
  }
}

/** The server refused a replica count it cannot place: say so with the fix. */
function replicasRefused(error: unknown, replicas: HubReplicas, what: string): InvalidOptionsError | undefined {
  if (replicas === 1) return undefined;
  if (!isReplicaPlacementRefused(error)) return undefined;
  const message = (error as Error).message;
  return new InvalidOptionsError(
    `replicas: ${replicas} needs a JetStream cluster of at least ${replicas} servers, but the server could not place ${what} on ${replicas} (${message}). ` +
      `Run nats-server as a cluster of ${replicas} or more with JetStream on each, or use replicas: 1 on a single server.`,
  );
}

/** Wraps a provisioning failure that is not jetstate's own error. */
export function provisioningFailed(error: unknown, hubName: string): Error {
  if (error instanceof InvalidOptionsError || error instanceof TransportError) return error;
  return new TransportError(`Could not set up hub '${hubName}' on the NATS server: ${(error as Error)?.message ?? String(error)}.`, { cause: error });
}
