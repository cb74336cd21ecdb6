import type { EntityId } from '../../registry/entity-id';

/**
 * The embedded engine's key layout. Numbers are zero-padded so LevelDB's byte order is
 * numeric order. Entity names never contain '/', so `s/<name>/<key>` is unambiguous.
 *
 * | key                         | value                                           |
 * |-----------------------------|-------------------------------------------------|
 * | `m/seq`                     | the last log position handed out                |
 * | `q/<seq>`                   | an inbox segment: the messages of one group commit, positions `seq`, `seq+1`, ... |
 * | `s/<name>/<key>`            | the entity's snapshot                           |
 * | `t/<due>/<message id>`      | a scheduled message, due at epoch ms `due`      |
 * | `a/<seq>`                   | the activity task at position `seq` is done: its outcome is in the inbox |
 */
export const StorageKeys = {
  lastSeq: 'm/seq',
  segment: (seq: number): string => `q/${pad(seq, 16)}`,
  segmentSeq: (key: string): number => Number(key.slice(2)),
  segmentsStart: 'q/',
  segmentsEnd: 'q0',
  snapshot: (id: EntityId): string => `s/${id.name}/${id.key}`,
  snapshotsStart: (name?: string): string => (name === undefined ? 's/' : `s/${name}/`),
  snapshotsEnd: (name?: string): string => (name === undefined ? 's0' : `s/${name}0`),
  snapshotId: (key: string): EntityId => {
    const slash = key.indexOf('/', 2);
    return { name: key.slice(2, slash), key: key.slice(slash + 1) };
  },
  timer: (due: number, messageId: string): string => `t/${pad(due, 15)}/${messageId}`,
  timersStart: 't/',
  timersEnd: 't0',
  activityDone: (seq: number): string => `a/${pad(seq, 16)}`,
  activityDoneSeq: (key: string): number => Number(key.slice(2)),
  activitiesDoneStart: 'a/',
  activitiesDoneEnd: 'a0',
} as const;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
