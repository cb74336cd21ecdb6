import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { Entity, Operation, Windowed } from '../../decorators';
import { DefinitionError } from '../../src/errors';
import { Registry } from '../../src/registry/registry';
import { parseWindowKey, windowKey, windowStart } from '../../src/registry/window-definition';

describe('window keys', () => {
  test('a window key sorts by time and parses back', () => {
    expect(windowKey('shop/cart', 60_000)).toBe('shop/cart|000000000060000');
    expect(parseWindowKey('shop/cart|000000000060000')).toEqual({ key: 'shop/cart', startMs: 60_000 });
    expect(windowKey('k', 9_000) < windowKey('k', 10_000)).toBe(true);
    expect(parseWindowKey('plain')).toBeUndefined();
    expect(parseWindowKey('k|12')).toBeUndefined();
    expect(windowStart(125_000, 60_000)).toBe(120_000);
  });
});

describe('@Windowed in the registry', () => {
  test('a windowed entity keeps its window definition, event time by default', () => {
    @Entity()
    @Windowed({ sizeMs: 1_000, retentionMs: 5_000 })
    class PerSecond {
      n = 0;
      @Operation() add(k: number): void {
        this.n += k;
      }
    }
    expect(Registry.create({ entities: [PerSecond] }).entityOf(PerSecond).window).toEqual({
      sizeMs: 1_000,
      retentionMs: 5_000,
      allowedLatenessMs: 0,
      time: 'event',
    });
  });

  test('sizes that are not positive whole ms, or a retention not longer than the lateness, are refused', () => {
    @Entity()
    @Windowed({ sizeMs: 0, retentionMs: 5_000 })
    class NoSize {
      @Operation() add(_k: number): void {}
    }
    @Entity()
    @Windowed({ sizeMs: 1_000, retentionMs: 500, allowedLatenessMs: 500 })
    class ShortRetention {
      @Operation() add(_k: number): void {}
    }
    expect(() => Registry.create({ entities: [NoSize] })).toThrow(DefinitionError);
    expect(() => Registry.create({ entities: [NoSize] })).toThrow(/sizeMs must be a positive whole number/);
    expect(() => Registry.create({ entities: [ShortRetention] })).toThrow(/must be longer than allowedLatenessMs/);
  });
});
