import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { Entity, Operation, RollUp } from '../../decorators';
import { DefinitionError } from '../../src/errors';
import { Registry } from '../../src/registry/registry';

@Entity()
class Parent {
  n = 0;
  @Operation({ merge: (a: number, b: number) => a + b }) add(k: number): void {
    this.n += k;
  }
  @Operation() set(k: number): void {
    this.n = k;
  }
}

describe('@RollUp in the registry', () => {
  test('a roll-up to a registered parent’s mergeable operation is attached to the child’s definition', () => {
    @Entity()
    @RollUp<Child, number>({ to: () => Parent, key: (k) => k.split('/')[0]!, operation: 'add', value: (c) => c.n })
    class Child {
      n = 0;
      @Operation() add(k: number): void {
        this.n += k;
      }
    }
    const rollUp = Registry.create({ entities: [Parent, Child] }).entityOf(Child).rollUp!;
    expect(rollUp.parent).toBe('Parent');
    expect(rollUp.key('a/b')).toBe('a');
    expect(rollUp.delta(2, 5, 'a/b')).toBe(3);
    expect(rollUp.delta(5, 5, 'a/b')).toBeUndefined();
  });

  test('an unregistered parent, a missing or non-mergeable operation is refused with the fix', () => {
    @Entity()
    @RollUp({ to: Parent, key: (k: string) => k, operation: 'set', value: (c: { n: number }) => c.n })
    class ToSet {
      n = 0;
      @Operation() add(k: number): void {
        this.n += k;
      }
    }
    @Entity()
    @RollUp({ to: Parent, key: (k: string) => k, operation: 'nope', value: (c: { n: number }) => c.n })
    class ToNothing {
      n = 0;
      @Operation() add(k: number): void {
        this.n += k;
      }
    }
    expect(() => Registry.create({ entities: [Parent, ToSet] })).toThrow(/is not mergeable/);
    expect(() => Registry.create({ entities: [Parent, ToNothing] })).toThrow(/has no such operation/);
    expect(() => Registry.create({ entities: [ToSet] })).toThrow(DefinitionError);
    expect(() => Registry.create({ entities: [ToSet] })).toThrow(/not a registered entity class/);
  });
});
