import { describe, expect, test } from 'vitest';
import type { EntitySnapshot } from '../../src/runtime/messages';
import { decodeSnapshot, encodeSnapshot } from '../../src/runtime/snapshot-codec';

const id = { name: 'Counter', key: 'tenant/7' };

function snapshot(overrides: Partial<EntitySnapshot> = {}): EntitySnapshot {
  return { id, exists: true, stateJson: '{"value":5}', lastAppliedSeq: 17, version: 3, lastModified: 1_700_000_000_123, ...overrides };
}

describe('encodeSnapshot', () => {
  test('writes the header numbers and splices the state JSON in as it is', () => {
    expect(encodeSnapshot(snapshot())).toBe('{"v":3,"s":17,"t":1700000000123,"e":1,"state":{"value":5}}');
  });

  test('a deleted snapshot has no state field', () => {
    expect(encodeSnapshot(snapshot({ exists: false, stateJson: undefined }))).toBe('{"v":3,"s":17,"t":1700000000123,"e":0}');
  });

  test('the encoded text is valid JSON', () => {
    expect(JSON.parse(encodeSnapshot(snapshot()))).toEqual({ v: 3, s: 17, t: 1_700_000_000_123, e: 1, state: { value: 5 } });
  });
});

describe('decodeSnapshot', () => {
  test('an existing entity round-trips', () => {
    const original = snapshot();
    const decoded = decodeSnapshot(id, encodeSnapshot(original));
    expect(decoded).toEqual(original);
    expect(decoded.stateJson).toBe('{"value":5}');
    expect(decoded.id).toBe(id);
  });

  test('a deleted entity round-trips with no state', () => {
    const original = snapshot({ exists: false, stateJson: undefined, version: 9, lastAppliedSeq: 120 });
    const decoded = decodeSnapshot(id, encodeSnapshot(original));
    expect(decoded.exists).toBe(false);
    expect(decoded.stateJson).toBeUndefined();
    expect(decoded.version).toBe(9);
    expect(decoded.lastAppliedSeq).toBe(120);
    expect(decoded.lastModified).toBe(1_700_000_000_123);
  });

  test('a deleted entity that keeps state JSON round-trips it', () => {
    const original = snapshot({ exists: false, stateJson: '{"value":0}' });
    expect(decodeSnapshot(id, encodeSnapshot(original))).toEqual(original);
  });

  test.each([
    ['a string containing the state field marker', JSON.stringify({ note: ',"state":{"x":1}}', value: 1 })],
    ['an object with its own state key', JSON.stringify({ a: 1, state: { s: 2, e: 0 }, v: 99 })],
    ['a nested state key after a comma', '{"items":[{"id":1,"state":"open"},{"id":2,"state":"closed"}]}'],
    ['a top-level string', JSON.stringify(',"state":')],
    ['a top-level number', '0'],
    ['null', 'null'],
    ['an array', '[1,",\\"state\\":",{"state":[]}]'],
    ['unicode text', JSON.stringify({ text: 'Zähler 🚀 "quoted" \\ back' })],
  ])('state with %s round-trips exactly', (_label, stateJson) => {
    const original = snapshot({ stateJson });
    const text = encodeSnapshot(original);
    expect(decodeSnapshot(id, text)).toEqual(original);
    expect(decodeSnapshot(id, text).stateJson).toBe(stateJson);
    expect(JSON.parse(text).state).toEqual(JSON.parse(stateJson));
  });

  test('large header numbers round-trip', () => {
    const original = snapshot({ lastAppliedSeq: Number.MAX_SAFE_INTEGER, version: 2 ** 40, lastModified: 8_640_000_000_000_000 });
    expect(decodeSnapshot(id, encodeSnapshot(original))).toEqual(original);
  });
});

describe('snapshots with message origins', () => {
  test('round-trip with the sent count, and a sender name that looks like the state field does not split the text', () => {
    const origins = { 'Relay/r': 12, 'Relay/,"state":{': 40 };
    const original = snapshot({ origins, sent: 7 });
    const decoded = decodeSnapshot(id, encodeSnapshot(original));
    expect(decoded).toEqual(original);
    expect(decoded.stateJson).toBe('{"value":5}');
  });
});
