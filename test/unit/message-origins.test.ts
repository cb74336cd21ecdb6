import { describe, expect, test } from 'vitest';
import { MessageOrigins, ORIGINS_KEPT } from '../../src/runtime/message-origins';

const from = (entity: string, seq: number, index = 0) => ({ entity, seq, index });

describe('MessageOrigins', () => {
  test('a message at or below the last position applied from its sender is seen; later ones are not', () => {
    const origins = new MessageOrigins({ 'Relay/a': [10, 1] });
    expect(origins.seen(from('Relay/a', 9, 5))).toBe(true);
    expect(origins.seen(from('Relay/a', 10, 0))).toBe(true);
    expect(origins.seen(from('Relay/a', 10, 1))).toBe(true);
    expect(origins.seen(from('Relay/a', 10, 2))).toBe(false);
    expect(origins.seen(from('Relay/a', 11, 0))).toBe(false);
    expect(origins.seen(from('Relay/b', 1, 0))).toBe(false);
  });

  test('records positions per sender and stores them only when something changed', () => {
    const committed = { 'Relay/a': [10, 1] } as const;
    const unchanged = new MessageOrigins(committed);
    expect(unchanged.toSnapshot()).toBe(committed);
    const origins = new MessageOrigins(committed);
    origins.record(from('Relay/b', 3, 0));
    origins.record(from('Relay/a', 12, 0));
    expect(origins.seen(from('Relay/a', 11, 4))).toBe(true);
    expect(origins.toSnapshot()).toEqual({ 'Relay/b': [3, 0], 'Relay/a': [12, 0] });
    expect(committed).toEqual({ 'Relay/a': [10, 1] });
  });

  test('forgets the least recently heard sender past the limit', () => {
    const origins = new MessageOrigins(undefined);
    for (let i = 0; i <= ORIGINS_KEPT; i++) origins.record(from(`Relay/${i}`, i + 1));
    const stored = origins.toSnapshot()!;
    expect(Object.keys(stored)).toHaveLength(ORIGINS_KEPT);
    expect(stored['Relay/0']).toBeUndefined();
    expect(stored[`Relay/${ORIGINS_KEPT}`]).toEqual([ORIGINS_KEPT + 1, 0]);
  });
});
