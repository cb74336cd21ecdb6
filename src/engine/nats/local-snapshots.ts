import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { TransportError } from '../../errors';
import { entityIdToString, type EntityId } from '../../registry/entity-id';
import type { EntitySnapshot } from '../../runtime/messages';
import { decodeSnapshot } from '../../runtime/snapshot-codec';
import type { LevelStore, StoreOperation } from '../level-store';
import type { HubLayout } from './hub-layout';
import { openOrderedConsumer } from './ordered-consumers';
import { decodeText } from './wire-codec';

const CATCH_UP_QUIET_MS = 5_000;

/** A snapshot and its sequence in `<hub>_STATE` (the fence of the entity's next commit). */
export interface SequencedSnapshot {
  readonly snapshot: EntitySnapshot;
  readonly streamSeq: number;
}

/**
 * A worker's local copy of the snapshots of the partitions it owns, in LevelDB. When a
 * worker takes a partition, it reads from `<hub>_STATE` only what changed since it last
 * caught up with that partition (the stream keeps one message per entity, so this is at
 * most one message per entity), then serves loads locally. A stale local copy cannot do
 * harm: a commit based on it fails its fence, and that entity is then read from the server
 * and compared with it (the newer of the two wins: see `chooseSnapshot`).
 *
 * Keys: `s/<name>/<key>` = `<stream seq> <snapshot>`, `c/<partition>` = the `<hub>_STATE`
 * sequence the partition was caught up to.
 */
export class LocalSnapshots {
  constructor(
    private readonly store: LevelStore,
    /** The hub connection's `orderedJs`. */
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly layout: HubLayout,
    /** How long opening the ordered consumer of a catch-up may take. */
    private readonly openTimeoutMs: number,
  ) {}

  /** Brings the local copy of `partition` up to date with `<hub>_STATE`; returns how many snapshots were read. */
  async catchUp(partition: number): Promise<number> {
    const filter = `${this.layout.hubName}.s.${partition}.>`;
    const last = await this.lastSequence(filter);
    const caughtUpTo = Number((await this.store.get(`c/${partition}`)) ?? 0);
    if (last <= caughtUpTo) return 0;
    const consumer = await openOrderedConsumer(
      this.js,
      this.layout.stateStream,
      caughtUpTo > 0 ? { filter_subjects: filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: caughtUpTo + 1 } : { filter_subjects: filter },
      this.openTimeoutMs,
    );
    const messages = await consumer.consume();
    const read = new Map<string, { id: EntityId; value: string; snapshot: EntitySnapshot }>();
    // A stream changing leader (a cluster losing a server) can leave the read waiting for
    // good: give up after a quiet spell, and let the partition be taken over again later.
    let quiet = setTimeout(() => messages.stop(), CATCH_UP_QUIET_MS);
    let reached = false;
    try {
      for await (const msg of messages) {
        clearTimeout(quiet);
        quiet = setTimeout(() => messages.stop(), CATCH_UP_QUIET_MS);
        const id = this.layout.entityOfStateSubject(msg.subject);
        const text = decodeText(msg.data);
        read.set(snapshotKey(id), { id, value: `${msg.seq} ${text}`, snapshot: decodeSnapshot(id, text) });
        if (msg.seq >= last || msg.info.pending === 0) {
          reached = true;
          break;
        }
      }
    } finally {
      clearTimeout(quiet);
      messages.stop();
    }
    if (!reached)
      throw new TransportError(
        `Partition ${partition}: reading its snapshots from ${this.layout.stateStream} stalled for ${CATCH_UP_QUIET_MS} ms; the partition will be taken over again.`,
      );
    // A server back from a crash can serve an older snapshot than the copy here: keep the
    // newer one, so the comparison on the next load can see that the server lost it.
    const held = await this.load([...read.values()].map((r) => r.id));
    const operations: StoreOperation[] = [...read.values()]
      .filter((r, i) => (held[i]?.snapshot.lastAppliedSeq ?? -1) <= r.snapshot.lastAppliedSeq)
      .map((r) => ({ type: 'put', key: snapshotKey(r.id), value: r.value }));
    operations.push({ type: 'put', key: `c/${partition}`, value: String(last) });
    await this.store.write(operations, false);
    return operations.length - 1;
  }

  /** The local snapshots of `ids` (all in caught-up partitions); absent means the entity has none. */
  async load(ids: readonly EntityId[]): Promise<(SequencedSnapshot | undefined)[]> {
    const values = await this.store.getMany(ids.map(snapshotKey));
    return values.map((value, i) => {
      if (value === undefined) return undefined;
      const space = value.indexOf(' ');
      return { streamSeq: Number(value.slice(0, space)), snapshot: decodeSnapshot(ids[i]!, value.slice(space + 1)) };
    });
  }

  /** Records snapshots just committed (or read from the server). Not synced: the server has them. */
  async save(snapshots: readonly { readonly snapshot: EntitySnapshot; readonly streamSeq: number; readonly encoded: string }[]): Promise<void> {
    if (snapshots.length === 0) return;
    await this.store.write(
      snapshots.map(({ snapshot, streamSeq, encoded }) => ({ type: 'put', key: snapshotKey(snapshot.id), value: `${streamSeq} ${encoded}` })),
      false,
    );
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async lastSequence(filter: string): Promise<number> {
    const last = await this.jsm.streams.getMessage(this.layout.stateStream, { last_by_subj: filter });
    return last?.seq ?? 0;
  }
}

function snapshotKey(id: EntityId): string {
  return `s/${entityIdToString(id)}`;
}
