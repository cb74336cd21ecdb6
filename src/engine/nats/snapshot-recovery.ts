import type { SequencedSnapshot } from './local-snapshots';

/**
 * How the snapshot an entity is loaded with was chosen.
 * - `current`: the newest copy anyone here knows of.
 * - `repairedFromLocal`: the server's copy is older than (or missing next to) the worker's
 *   local copy, so the server lost a commit in a crash; the local copy is used.
 * - `replayNeeded`: the server's copy is older than what this process committed or loaded
 *   before, and no local copy covers it: the inputs in between must be applied again.
 */
export type SnapshotChoiceKind = 'current' | 'repairedFromLocal' | 'replayNeeded';

/** The snapshot to load an entity with, and the fence of its next write. */
export interface SnapshotChoice {
  readonly kind: SnapshotChoiceKind;
  /** The snapshot to start from; absent when the entity has none. */
  readonly snapshot: SequencedSnapshot['snapshot'] | undefined;
  /** The entity's `<hub>_STATE` sequence on the server now (0: none): its next write must find it there. */
  readonly fence: number;
  /** The stored position the entity had reached before, when the server's copy is behind it. */
  readonly lostAfter?: number;
}

function appliedSeq(copy: SequencedSnapshot | undefined): number {
  return copy?.snapshot.lastAppliedSeq ?? 0;
}

/**
 * Chooses between the server's copy of an entity's snapshot, the worker's local copy and
 * what this process last committed or loaded (`knownAppliedSeq`). Progress is compared by
 * `lastAppliedSeq`, which grows with every applied input, so an older copy is never taken
 * over a newer one: a NATS server recovering from a crash can serve an older snapshot, or
 * none, for an entity whose newer snapshot it had acknowledged.
 */
export function chooseSnapshot(
  server: SequencedSnapshot | undefined,
  local: SequencedSnapshot | undefined,
  knownAppliedSeq: number | undefined,
): SnapshotChoice {
  const fence = server?.streamSeq ?? 0;
  const serverSeq = appliedSeq(server);
  const reached = Math.max(knownAppliedSeq ?? 0, serverSeq);
  if (local && appliedSeq(local) > serverSeq) {
    return appliedSeq(local) >= reached
      ? { kind: 'repairedFromLocal', snapshot: local.snapshot, fence, lostAfter: serverSeq }
      : { kind: 'replayNeeded', snapshot: local.snapshot, fence, lostAfter: appliedSeq(local) };
  }
  if (serverSeq < reached) return { kind: 'replayNeeded', snapshot: server?.snapshot, fence, lostAfter: serverSeq };
  return { kind: 'current', snapshot: server?.snapshot, fence };
}

/** One input applied again on a snapshot that had already covered it. */
export interface ReplayedInput {
  readonly entity: string;
  /** The input's position: at or below the previous consumer's acknowledgement floor. */
  readonly seq: number;
  /** The `lastAppliedSeq` of the snapshot the entity was loaded with. */
  readonly loadedSeq: number;
}

/**
 * Finds inputs that prove a snapshot regressed: an input at or below `replayFloor` had been
 * applied and committed before, so a snapshot loaded in this run whose `lastAppliedSeq` is
 * below it is older than a snapshot that was committed. Reports each entity once.
 */
export function findRegressedEntities(
  inputs: readonly { readonly entity: string; readonly seq: number | undefined }[],
  loadedSeqs: ReadonlyMap<string, number>,
  replayFloor: number,
  alreadyReported: ReadonlySet<string>,
): ReplayedInput[] {
  const found = new Map<string, ReplayedInput>();
  for (const { entity, seq } of inputs) {
    if (seq === undefined || seq > replayFloor || alreadyReported.has(entity) || found.has(entity)) continue;
    const loadedSeq = loadedSeqs.get(entity);
    if (loadedSeq !== undefined && seq > loadedSeq) found.set(entity, { entity, seq, loadedSeq });
  }
  return [...found.values()];
}

/**
 * Whether the inputs an entity needs again are still on the server: the partition's
 * inputs below `purgedBelow` were purged, so an entity whose snapshot stopped at
 * `loadedSeq` can be rebuilt when none of the inputs after it were.
 */
export function inputsStillRetained(loadedSeq: number, purgedBelow: number): boolean {
  return loadedSeq + 1 >= purgedBelow;
}
