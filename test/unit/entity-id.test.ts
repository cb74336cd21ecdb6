import { describe, expect, test } from 'vitest';
import { ErrorCode, InvalidEntityIdError } from '../../src/errors';
import { MAX_ENTITY_KEY_LENGTH, assertValidKey, entityIdFromString, entityIdToString, isValidEntityName } from '../../src/registry/entity-id';

function keyErrorOf(key: unknown): InvalidEntityIdError {
  try {
    assertValidKey('Counter', key);
  } catch (error) {
    if (error instanceof InvalidEntityIdError) return error;
    throw error;
  }
  throw new Error('expected an InvalidEntityIdError, but nothing was thrown');
}

describe('assertValidKey', () => {
  test('the key length limit is 256 characters', () => {
    expect(MAX_ENTITY_KEY_LENGTH).toBe(256);
  });

  test('an empty key is rejected', () => {
    const error = keyErrorOf('');
    expect(error.code).toBe(ErrorCode.InvalidEntityId);
    expect(error.message).toBe("The key of entity 'Counter' is empty. Give every entity a non-empty key.");
  });

  test.each([
    ['a number', 42, 'number'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'object'],
    ['an object', { id: 'a' }, 'object'],
    ['a boolean', true, 'boolean'],
  ])('a non-string key (%s) is rejected', (_label, key, type) => {
    const error = keyErrorOf(key);
    expect(error.code).toBe(ErrorCode.InvalidEntityId);
    expect(error.message).toBe(`The key of entity 'Counter' must be a string, got ${type}. Convert it with String(key).`);
  });

  test('a key one character over the limit is rejected', () => {
    const error = keyErrorOf('k'.repeat(MAX_ENTITY_KEY_LENGTH + 1));
    expect(error.code).toBe(ErrorCode.InvalidEntityId);
    expect(error.message).toBe(
      "The key of entity 'Counter' is 257 UTF-16 code units long; the limit is 256. Use a shorter key, for example a hash of the long one.",
    );
  });

  test('a key of exactly the limit is accepted', () => {
    expect(() => assertValidKey('Counter', 'k'.repeat(MAX_ENTITY_KEY_LENGTH))).not.toThrow();
  });

  test.each([
    ['a single character', 'a'],
    ['unicode letters', 'Zähler-日本語'],
    ['an emoji', 'user-🚀'],
    ['slashes', 'tenant/42/orders'],
    ['only a slash', '/'],
    ['spaces', ' leading and trailing '],
    ['dots', '..'],
    ['a dotted name', 'a.b.c'],
  ])('a key with %s is accepted', (_label, key) => {
    expect(() => assertValidKey('Counter', key)).not.toThrow();
  });
});

describe('isValidEntityName', () => {
  test.each(['Counter', '_x', 'a-b_c9', 'x'.repeat(64)])('%s is a valid name', (name) => {
    expect(isValidEntityName(name)).toBe(true);
  });

  test.each(['', '9lives', '-dash', 'a/b', 'a b', 'a.b', 'x'.repeat(65)])('%j is not a valid name', (name) => {
    expect(isValidEntityName(name)).toBe(false);
  });
});

describe('entityIdToString and entityIdFromString', () => {
  test('the string form is name/key', () => {
    expect(entityIdToString({ name: 'Counter', key: 'visits' })).toBe('Counter/visits');
  });

  test.each(['visits', 'a/b', '/', '/leading', 'trailing/', 'a//b', 'Counter/nested', 'Zähler 🚀 . x'])('key %j round-trips', (key) => {
    const id = { name: 'Counter', key };
    const text = entityIdToString(id);
    expect(text).toBe(`Counter/${key}`);
    expect(entityIdFromString(text)).toEqual(id);
  });

  test('the first slash separates the name from a key containing slashes', () => {
    expect(entityIdFromString('Order/tenant/42')).toEqual({ name: 'Order', key: 'tenant/42' });
  });
});
