import { HubLayout } from './hub-layout';

/** What a process does on a hub: `worker` hosts work (and provisions the hub), `client` only talks to it. */
export type HubRole = 'worker' | 'client';

/**
 * The subjects a NATS user needs for one role on one hub, in the shape of nats-server's
 * `permissions` block (`publish.allow`, `subscribe.allow`). Everything not listed is
 * denied once a user has permissions.
 */
export interface HubPermissions {
  readonly publish: { readonly allow: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[] };
}

/**
 * The smallest set of subjects a jetstate process needs on a hub, to give each NATS user
 * only what its role uses:
 *
 * - a **worker** provisions and updates the hub's streams and buckets, consumes its
 *   partitions, timers and activity tasks, writes snapshots, leases and heartbeats, and
 *   dead-letters what it cannot run;
 * - a **client** (`DurableClient.connect`, the CLI, an HTTP API in front of a hub) sends
 *   signals, calls and scheduled signals, reads and watches snapshots, and manages dead
 *   letters. It cannot write snapshots, leases or timers' state, or create or delete streams.
 *
 * Several hubs on one server: give a user the union of the hubs' lists.
 *
 * @example
 * ```ts
 * const { publish, subscribe } = hubPermissions({ hub: 'orders', role: 'client' });
 * // nats-server.conf:
 * // authorization { users = [ { user: app, password: ..., permissions: { publish: { allow: [...] }, subscribe: { allow: [...] } } } ] }
 * ```
 */
export function hubPermissions(options: { readonly hub: string; readonly role: HubRole }): HubPermissions {
  const layout = new HubLayout(options.hub);
  const hub = layout.hubName;
  const buckets = [layout.configBucket, layout.leaseBucket, layout.workerBucket];
  const bucketStreams = buckets.map((bucket) => `KV_${bucket}`);
  const streams = [layout.workStream, layout.stateStream, layout.timerStream, layout.activityStream, layout.deadLetterStream];
  if (options.role === 'worker') {
    return {
      publish: {
        allow: [
          `${hub}.>`,
          ...buckets.map((bucket) => `$KV.${bucket}.>`),
          '$JS.API.INFO',
          ...[...streams, ...bucketStreams].flatMap((stream) => [
            ...['INFO', 'CREATE', 'UPDATE', 'PURGE'].map((verb) => `$JS.API.STREAM.${verb}.${stream}`),
            `$JS.API.STREAM.MSG.GET.${stream}`,
            `$JS.API.STREAM.MSG.DELETE.${stream}`,
            `$JS.API.DIRECT.GET.${stream}`,
            `$JS.API.DIRECT.GET.${stream}.>`,
            ...consumerSubjects(stream),
          ]),
        ],
      },
      subscribe: { allow: ['_INBOX.>'] },
    };
  }
  return {
    publish: {
      allow: [
        // Signals and calls, scheduled signals, and dead letters replayed to where they came from.
        layout.workFilter(),
        layout.timerFilter(),
        layout.activityFilter(),
        '$JS.API.INFO',
        ...[...streams, `KV_${layout.configBucket}`].map((stream) => `$JS.API.STREAM.INFO.${stream}`),
        // Reading snapshots (and the hub's partition count), watching and listing them.
        ...[layout.stateStream, `KV_${layout.configBucket}`].flatMap((stream) => [
          `$JS.API.STREAM.MSG.GET.${stream}`,
          `$JS.API.DIRECT.GET.${stream}`,
          `$JS.API.DIRECT.GET.${stream}.>`,
        ]),
        ...consumerSubjects(layout.stateStream),
        // Dead letters: read, delete after a replay, purge.
        `$JS.API.STREAM.MSG.GET.${layout.deadLetterStream}`,
        `$JS.API.STREAM.MSG.DELETE.${layout.deadLetterStream}`,
        `$JS.API.STREAM.PURGE.${layout.deadLetterStream}`,
      ],
    },
    subscribe: { allow: ['_INBOX.>', `${hub}.r.>`] },
  };
}

/** What using consumers of `stream` takes: creating, inspecting, pulling from, deleting, acknowledging, flow control. */
function consumerSubjects(stream: string): string[] {
  return [
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}
