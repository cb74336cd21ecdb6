import { describe, expect, test } from 'vitest';
import type { EntitySnapshot } from '../../src/runtime/messages';
import { chooseSnapshot, findRegressedEntities, inputsStillRetained } from '../../src/engine/nats/snapshot-recovery';

function copy(lastAppliedSeq: number, streamSeq: number): { snapshot: EntitySnapshot; streamSeq: number } {
  return {
    streamSeq,
    snapshot: {
      id: { name: 'Counter', key: 'k' },
      exists: true,
      stateJson: `{"value":${lastAppliedSeq}}`,
      lastAppliedSeq,
      version: lastAppliedSeq,
      lastModified: 0,
    },
  };
}

describe('chooseSnapshot', () => {
  test('the server’s copy is current when nothing here is newer', () => {
    expect(chooseSnapshot(copy(10, 7), copy(10, 7), 10)).toMatchObject({ kind: 'current', fence: 7, snapshot: { lastAppliedSeq: 10 } });
    expect(chooseSnapshot(copy(12, 9), copy(10, 7), 10)).toMatchObject({ kind: 'current', fence: 9, snapshot: { lastAppliedSeq: 12 } });
    expect(chooseSnapshot(undefined, undefined, undefined)).toEqual({ kind: 'current', snapshot: undefined, fence: 0 });
  });

  test('a local copy newer than the server’s repairs it, fenced on the server’s sequence', () => {
    expect(chooseSnapshot(copy(5, 40), copy(10, 30), 10)).toMatchObject({
      kind: 'repairedFromLocal',
      fence: 40,
      lostAfter: 5,
      snapshot: { lastAppliedSeq: 10 },
    });
    expect(chooseSnapshot(undefined, copy(10, 30), undefined)).toMatchObject({ kind: 'repairedFromLocal', fence: 0, lostAfter: 0 });
  });

  test('a server copy older than what was committed here, with no local copy that reaches it, needs a replay', () => {
    expect(chooseSnapshot(copy(5, 40), undefined, 10)).toMatchObject({ kind: 'replayNeeded', fence: 40, lostAfter: 5, snapshot: { lastAppliedSeq: 5 } });
    expect(chooseSnapshot(undefined, undefined, 10)).toMatchObject({ kind: 'replayNeeded', fence: 0, snapshot: undefined });
    // The local copy is newer than the server's but older than what was committed: the replay starts from it.
    expect(chooseSnapshot(copy(5, 40), copy(8, 30), 10)).toMatchObject({ kind: 'replayNeeded', fence: 40, snapshot: { lastAppliedSeq: 8 } });
  });
});

describe('findRegressedEntities', () => {
  const loaded = new Map([
    ['Counter/a', 10],
    ['Counter/b', 50],
  ]);

  test('an input at or below the floor that is newer than the loaded snapshot proves a regression, once per entity', () => {
    const inputs = [
      { entity: 'Counter/a', seq: 8 },
      { entity: 'Counter/a', seq: 12 },
      { entity: 'Counter/a', seq: 14 },
      { entity: 'Counter/b', seq: 30 },
    ];
    expect(findRegressedEntities(inputs, loaded, 20, new Set())).toEqual([{ entity: 'Counter/a', seq: 12, loadedSeq: 10 }]);
    expect(findRegressedEntities(inputs, loaded, 20, new Set(['Counter/a']))).toEqual([]);
  });

  test('inputs above the floor, without a position, or of entities not loaded prove nothing', () => {
    expect(findRegressedEntities([{ entity: 'Counter/a', seq: 21 }], loaded, 20, new Set())).toEqual([]);
    expect(findRegressedEntities([{ entity: 'Counter/a', seq: undefined }], loaded, 20, new Set())).toEqual([]);
    expect(findRegressedEntities([{ entity: 'Counter/z', seq: 3 }], loaded, 20, new Set())).toEqual([]);
    expect(findRegressedEntities([{ entity: 'Counter/a', seq: 12 }], loaded, 0, new Set())).toEqual([]);
  });
});

describe('inputsStillRetained', () => {
  test('an entity can be rebuilt when none of the inputs after its snapshot was purged', () => {
    expect(inputsStillRetained(0, 0)).toBe(true);
    expect(inputsStillRetained(0, 1)).toBe(true);
    expect(inputsStillRetained(0, 2)).toBe(false);
    expect(inputsStillRetained(99, 100)).toBe(true);
    expect(inputsStillRetained(98, 100)).toBe(false);
  });
});
