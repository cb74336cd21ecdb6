import { describe, expect, test } from 'vitest';
import { StorageKeys } from '../../src/engine/embedded/storage-keys';
import type { EntityId } from '../../src/registry/entity-id';

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function inRange(key: string, gte: string, lt: string): boolean {
  return byteOrder(key, gte) >= 0 && byteOrder(key, lt) < 0;
}

const NAMES = ['Counter', 'Counter2', 'Counter0', 'Counter-x', 'Counter_', 'CounterZ', 'Count', 'counter', 'C', 'Account'];
const KEYS = ['a', '0', '/', 'a/b', '-', ' ', '~', '\u0000', 'Zähler', '🚀', '\uffff', 'k'.repeat(256)];

describe('segment keys', () => {
  test('are zero-padded to 16 digits', () => {
    expect(StorageKeys.segment(0)).toBe('q/0000000000000000');
    expect(StorageKeys.segment(42)).toBe('q/0000000000000042');
    expect(StorageKeys.segment(Number.MAX_SAFE_INTEGER)).toBe('q/9007199254740991');
  });

  test('sort numerically as strings and as bytes', () => {
    const seqs = [0, 1, 9, 10, 11, 99, 100, 1_000, 65_535, 1_000_000, 2 ** 32, 10 ** 15, Number.MAX_SAFE_INTEGER];
    const keys = [...seqs].reverse().map((seq) => StorageKeys.segment(seq));
    expect([...keys].sort()).toEqual(seqs.map((seq) => StorageKeys.segment(seq)));
    expect([...keys].sort(byteOrder)).toEqual(seqs.map((seq) => StorageKeys.segment(seq)));
  });

  test('segmentSeq reads the position back', () => {
    for (const seq of [0, 7, 10, 123_456_789, Number.MAX_SAFE_INTEGER]) {
      expect(StorageKeys.segmentSeq(StorageKeys.segment(seq))).toBe(seq);
    }
  });

  test('lie inside the segment range and nothing else does', () => {
    expect(inRange(StorageKeys.segment(0), StorageKeys.segmentsStart, StorageKeys.segmentsEnd)).toBe(true);
    expect(inRange(StorageKeys.segment(Number.MAX_SAFE_INTEGER), StorageKeys.segmentsStart, StorageKeys.segmentsEnd)).toBe(true);
    expect(inRange(StorageKeys.lastSeq, StorageKeys.segmentsStart, StorageKeys.segmentsEnd)).toBe(false);
    expect(inRange(StorageKeys.snapshot({ name: 'q', key: 'x' }), StorageKeys.segmentsStart, StorageKeys.segmentsEnd)).toBe(false);
    expect(inRange(StorageKeys.timer(1, 'm'), StorageKeys.segmentsStart, StorageKeys.segmentsEnd)).toBe(false);
  });
});

describe('timer keys', () => {
  test('are zero-padded to 15 digits and end with the message id', () => {
    expect(StorageKeys.timer(1_700_000_000_000, 'sender-1:5')).toBe('t/001700000000000/sender-1:5');
  });

  test('sort by due time', () => {
    const dues = [5, 60_000, 1_700_000_000_000, 1_700_000_000_001, 9_999_999_999_999];
    const keys = [...dues].reverse().map((due) => StorageKeys.timer(due, 'z'));
    expect([...keys].sort(byteOrder)).toEqual(dues.map((due) => StorageKeys.timer(due, 'z')));
  });

  test('lie inside the timer range', () => {
    expect(inRange(StorageKeys.timer(0, 'a'), StorageKeys.timersStart, StorageKeys.timersEnd)).toBe(true);
    expect(inRange(StorageKeys.timer(9_999_999_999_999, '~'), StorageKeys.timersStart, StorageKeys.timersEnd)).toBe(true);
    expect(inRange(StorageKeys.snapshot({ name: 't', key: 'x' }), StorageKeys.timersStart, StorageKeys.timersEnd)).toBe(false);
  });
});

describe('snapshot keys', () => {
  test('have the form s/<name>/<key>', () => {
    expect(StorageKeys.snapshot({ name: 'Counter', key: 'visits' })).toBe('s/Counter/visits');
  });

  test.each(['visits', 'a/b', '/', '//', '/leading', 'trailing/', 'tenant/42/orders', 'Zähler 🚀'])('snapshotId round-trips key %j', (key) => {
    const id: EntityId = { name: 'Counter', key };
    const storageKey = StorageKeys.snapshot(id);
    expect(storageKey).toBe(`s/Counter/${key}`);
    expect(StorageKeys.snapshotId(storageKey)).toEqual(id);
  });

  test('snapshotsStart and snapshotsEnd bound exactly one entity name', () => {
    const all: { id: EntityId; storageKey: string }[] = NAMES.flatMap((name) =>
      KEYS.map((key) => ({ id: { name, key }, storageKey: StorageKeys.snapshot({ name, key }) })),
    );
    for (const name of NAMES) {
      const start = StorageKeys.snapshotsStart(name);
      const end = StorageKeys.snapshotsEnd(name);
      const inside = all.filter((entry) => inRange(entry.storageKey, start, end)).map((entry) => entry.id);
      expect(inside, `range of ${name}`).toEqual(KEYS.map((key) => ({ name, key })));
    }
  });

  test("a name that is a prefix of another does not leak into the other's range", () => {
    const counter = { start: StorageKeys.snapshotsStart('Counter'), end: StorageKeys.snapshotsEnd('Counter') };
    const counter2 = { start: StorageKeys.snapshotsStart('Counter2'), end: StorageKeys.snapshotsEnd('Counter2') };
    expect(inRange(StorageKeys.snapshot({ name: 'Counter2', key: 'a' }), counter.start, counter.end)).toBe(false);
    expect(inRange(StorageKeys.snapshot({ name: 'Counter', key: '2' }), counter2.start, counter2.end)).toBe(false);
    expect(inRange(StorageKeys.snapshot({ name: 'Counter0', key: 'a' }), counter.start, counter.end)).toBe(false);
    expect(inRange(StorageKeys.snapshot({ name: 'Counter', key: '2/a' }), counter.start, counter.end)).toBe(true);
    expect(inRange(StorageKeys.snapshot({ name: 'Counter2', key: 'a' }), counter2.start, counter2.end)).toBe(true);
  });

  test('the range of one name sorts with plain string comparison the same way as by bytes', () => {
    const start = StorageKeys.snapshotsStart('Counter');
    const end = StorageKeys.snapshotsEnd('Counter');
    for (const name of NAMES) {
      for (const key of KEYS) {
        const storageKey = StorageKeys.snapshot({ name, key });
        expect(storageKey >= start && storageKey < end).toBe(inRange(storageKey, start, end));
      }
    }
  });

  test('the unnamed range holds every snapshot and no other kind of key', () => {
    const start = StorageKeys.snapshotsStart();
    const end = StorageKeys.snapshotsEnd();
    expect(start).toBe('s/');
    expect(end).toBe('s0');
    for (const name of NAMES) {
      for (const key of KEYS) {
        expect(inRange(StorageKeys.snapshot({ name, key }), start, end)).toBe(true);
      }
    }
    expect(inRange(StorageKeys.lastSeq, start, end)).toBe(false);
    expect(inRange(StorageKeys.segment(1), start, end)).toBe(false);
    expect(inRange(StorageKeys.timer(1, 'm'), start, end)).toBe(false);
  });
});
