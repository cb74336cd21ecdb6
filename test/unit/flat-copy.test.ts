import 'reflect-metadata';
import { Exclude, Expose, instanceToPlain, Transform, Type } from 'class-transformer';
import { describe, expect, test } from 'vitest';
import { flatCopy } from '../../src/runtime/flat-copy';

class Tally {
  count = 3;
  label = 'visits';
  open = true;
  note: string | null = null;
  missing: string | undefined = undefined;
}

class WithTransform {
  count = 1;
  @Transform(({ value }) => (value as number) * 10, { toPlainOnly: true }) scaled = 2;
}

class WithExclude {
  count = 1;
  @Exclude() secret = 'hidden';
}

class WithExposedGetter {
  count = 1;
  @Expose() get doubled(): number {
    return this.count * 2;
  }
}

class WithTypedPrimitive {
  @Type(() => String) code = 42;
}

class DecoratedParent {
  @Exclude() secret = 'hidden';
}
class PlainChild extends DecoratedParent {
  count = 1;
}

@Exclude()
class ExcludeAll {
  @Expose() shown = 1;
  hidden = 2;
}

class Nested {
  count = 1;
  inner = { a: 1 };
}

class WithFunctionField {
  count = 1;
  read = (): number => 7;
}

describe('flatCopy', () => {
  test.each([
    ['a flat class instance', new Tally()],
    ['an object literal', { a: 1, b: 'two', c: false, d: null }],
    ['an empty object', {}],
  ])('copies %s exactly as class-transformer does', (_name, value) => {
    const copy = flatCopy(value);
    expect(copy).toBeDefined();
    expect(copy).toStrictEqual(instanceToPlain(value));
    expect(copy).not.toBe(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  test.each([
    ['a @Transform field', new WithTransform()],
    ['an @Exclude field', new WithExclude()],
    ['an @Expose getter', new WithExposedGetter()],
    ['a @Type on a primitive', new WithTypedPrimitive()],
    ['a decorated parent class', new PlainChild()],
    ['a class-level @Exclude', new ExcludeAll()],
    ['a nested object', new Nested()],
    ['a function field', new WithFunctionField()],
    ['an array', [1, 2]],
    ['a Date', new Date(0)],
    ['a Map', new Map([['a', 1]])],
    ['a Set', new Set([1])],
    ['a Buffer', Buffer.from('x')],
    ['a non-finite number', { n: Number.NaN }],
    ['a BigInt', { n: 1n }],
    ['an object without prototype', Object.assign(Object.create(null) as object, { a: 1 })],
  ])('leaves %s to class-transformer', (_name, value) => {
    expect(flatCopy(value)).toBeUndefined();
  });

  test('the cases it refuses are the ones class-transformer changes', () => {
    // Each differs from a plain field copy, which is why flatCopy must not take them.
    expect(instanceToPlain(new WithTransform())).toStrictEqual({ count: 1, scaled: 20 });
    expect(instanceToPlain(new WithExclude())).toStrictEqual({ count: 1 });
    expect(instanceToPlain(new WithExposedGetter())).toStrictEqual({ count: 1, doubled: 2 });
    expect(instanceToPlain(new WithTypedPrimitive())).toStrictEqual({ code: '42' });
    expect(instanceToPlain(new PlainChild())).toStrictEqual({ count: 1 });
    expect(instanceToPlain(new ExcludeAll())).toStrictEqual({ shown: 1 });
  });

  test('a field an instance gains after its class was first copied is copied too', () => {
    class Late {
      count = 1;
      extra = 2;
    }
    const first = new Late();
    expect(flatCopy(first)).toStrictEqual({ count: 1, extra: 2 });
    const widened = Object.assign(new Late(), { added: 'x' });
    expect(flatCopy(widened)).toStrictEqual({ count: 1, extra: 2, added: 'x' });
  });
});
