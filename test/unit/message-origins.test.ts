import { describe, expect, test } from 'vitest';
import { MessageOrigins, ORIGINS_KEPT } from '../../src/runtime/message-origins';

const from = (entity: string, n: number) => ({ entity, n });

describe('MessageOrigins', () => {
  test('a signal numbered at or below the last one applied from its sender is seen; later ones are not', () => {
    const origins = new MessageOrigins({ 'Relay/a': 10 });
    expect(origins.seen(from('Relay/a', 9))).toBe(true);
    expect(origins.seen(from('Relay/a', 10))).toBe(true);
    expect(origins.seen(from('Relay/a', 11))).toBe(false);
    expect(origins.seen(from('Relay/b', 1))).toBe(false);
  });

  test('records numbers per sender and stores them only when something changed', () => {
    const committed = { 'Relay/a': 10 };
    const unchanged = new MessageOrigins(committed);
    expect(unchanged.toSnapshot()).toBe(committed);
    const origins = new MessageOrigins(committed);
    origins.record(from('Relay/b', 3));
    origins.record(from('Relay/a', 12));
    expect(origins.seen(from('Relay/a', 11))).toBe(true);
    expect(origins.toSnapshot()).toEqual({ 'Relay/b': 3, 'Relay/a': 12 });
    expect(committed).toEqual({ 'Relay/a': 10 });
  });

  test('forgets the least recently heard sender past the limit', () => {
    const origins = new MessageOrigins(undefined);
    for (let i = 0; i <= ORIGINS_KEPT; i++) origins.record(from(`Relay/${i}`, i + 1));
    const stored = origins.toSnapshot()!;
    expect(Object.keys(stored)).toHaveLength(ORIGINS_KEPT);
    expect(stored['Relay/0']).toBeUndefined();
    expect(stored[`Relay/${ORIGINS_KEPT}`]).toBe(ORIGINS_KEPT + 1);
  });
});
