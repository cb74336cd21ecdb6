import { randomBytes } from 'node:crypto';
import { StorageKeys } from '../../src/internal';

/**
 * The JSON text of one signal as the embedded engine stores it in an inbox segment:
 * `DurableClient` builds `{ id, target, operation, kind, input }` (id = 12-character client
 * id + '.' + sequence number) and the CommitWriter adds the log position `seq` before it
 * stringifies the segment's array of messages.
 */
export function storedSignalJson(clientId: string, seq: number, key: string): string {
  return JSON.stringify({
    id: `${clientId}.${seq}`,
    target: { name: 'Counter', key },
    operation: 'add',
    kind: 'signal',
    input: 1,
    seq,
  });
}

/** A client id shaped like the ones `DurableClient` generates. */
export function sampleClientId(): string {
  return randomBytes(9).toString('base64url');
}

/** `count` put operations of signal-sized records, keyed like inbox segments, from position `firstSeq`. */
export function signalPuts(clientId: string, firstSeq: number, count: number, keys = 1000): { type: 'put'; key: string; value: string }[] {
  const operations: { type: 'put'; key: string; value: string }[] = [];
  for (let i = 0; i < count; i++) {
    const seq = firstSeq + i;
    operations.push({ type: 'put', key: StorageKeys.segment(seq), value: storedSignalJson(clientId, seq, `k${seq % keys}`) });
  }
  return operations;
}
