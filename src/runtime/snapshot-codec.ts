import type { EntityId } from '../registry/entity-id';
import type { EntitySnapshot } from './messages';

const STATE_FIELD = ',"state":';

/**
 * Encodes a snapshot as stored text. The state JSON is spliced in as it is, so a commit
 * never stringifies the state twice.
 */
export function encodeSnapshot(snapshot: EntitySnapshot): string {
  const sent = snapshot.sent === undefined ? '' : `,"n":${snapshot.sent}`;
  const origins = snapshot.origins === undefined ? '' : `,"o":${JSON.stringify(snapshot.origins)}`;
  const lock = snapshot.lock === undefined ? '' : `,"l":${JSON.stringify(snapshot.lock)}`;
  const head = `{"v":${snapshot.version},"s":${snapshot.lastAppliedSeq},"t":${snapshot.lastModified},"e":${snapshot.exists ? 1 : 0}${sent}${origins}${lock}`;
  return snapshot.stateJson === undefined ? `${head}}` : `${head}${STATE_FIELD}${snapshot.stateJson}}`;
}

/**
 * Decodes what {@link encodeSnapshot} wrote. The state comes last, and the header before it
 * cannot contain the text of the state field (sender names in it are JSON strings, whose
 * quotes are escaped), so the first state field is the state.
 */
export function decodeSnapshot(id: EntityId, text: string): EntitySnapshot {
  const at = text.indexOf(STATE_FIELD);
  const head = JSON.parse(at < 0 ? text : `${text.slice(0, at)}}`) as {
    v: number;
    s: number;
    t: number;
    e: 0 | 1;
    n?: number;
    o?: EntitySnapshot['origins'];
    l?: EntitySnapshot['lock'];
  };
  return {
    id,
    exists: head.e === 1,
    stateJson: at < 0 ? undefined : text.slice(at + STATE_FIELD.length, -1),
    lastAppliedSeq: head.s,
    version: head.v,
    lastModified: head.t,
    ...(head.n === undefined ? {} : { sent: head.n }),
    ...(head.o === undefined ? {} : { origins: head.o }),
    ...(head.l === undefined ? {} : { lock: head.l }),
  };
}
