import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { Entity, Operation } from '../../decorators';
import { DefinitionError } from '../../src/errors';
import { Registry } from '../../src/registry/registry';
import type { OperationMessage } from '../../src/runtime/messages';
import { foldClientSignals, foldOutbox, unappliedRest } from '../../src/runtime/signal-folding';

const sum = (a: unknown, b: unknown): unknown => (a as number) + (b as number);
const mergeOf = (_entity: string, operation: string) => (operation === 'add' ? sum : undefined);

function client(n: number, operation: string, input: unknown, key = 'k', sender = 'c1'): OperationMessage {
  return { id: `${sender}.${n}`, target: { name: 'Counter', key }, operation, kind: 'signal', input };
}

function sent(n: number, input: unknown, key = 'k', operation = 'add'): OperationMessage {
  return { id: `src.1>${n}`, target: { name: 'Counter', key }, operation, kind: 'signal', input, origin: { entity: 'Page/p', n } };
}

describe('folding client signals', () => {
  test('a run of one sender’s mergeable signals to one entity becomes one message counting them all', () => {
    const out = foldClientSignals([client(1, 'add', 1), client(2, 'add', 2), client(3, 'add', 3)], mergeOf);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ id: 'c1.1', input: 6, merged: { count: 3 } });
  });

  test('another operation, a call or another sender in between ends the run', () => {
    const call: OperationMessage = { ...client(3, 'get', undefined), kind: 'call' };
    const out = foldClientSignals(
      [client(1, 'add', 1), client(2, 'set', 5), client(4, 'add', 1), call, client(5, 'add', 1), client(6, 'add', 1, 'k', 'c2')],
      mergeOf,
    );
    expect(out.map((m) => m.id)).toEqual(['c1.1', 'c1.2', 'c1.4', 'c1.3', 'c1.5', 'c2.6']);
  });

  test('signals to other entities in between do not end a run to one entity', () => {
    const out = foldClientSignals([client(1, 'add', 1, 'a'), client(2, 'add', 1, 'b'), client(3, 'add', 1, 'a')], mergeOf);
    expect(out.map((m) => [m.target.key, m.input])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  test('a merge that throws leaves the signals apart', () => {
    const throwing = () => () => {
      throw new Error('no');
    };
    expect(foldClientSignals([client(1, 'add', 1), client(2, 'add', 1)], throwing)).toHaveLength(2);
  });
});

describe('folding an outbox', () => {
  test('the fold keeps the numbers and inputs of the signals it replaces, under an id of its own', () => {
    const [folded] = foldOutbox([sent(4, 1), sent(5, 2), sent(7, 3)], mergeOf);
    expect(folded).toMatchObject({
      id: 'src.1>4*3',
      input: 6,
      origin: { entity: 'Page/p', n: 7 },
      merged: {
        count: 3,
        from: 4,
        parts: [
          [4, 1],
          [5, 2],
          [7, 3],
        ],
      },
    });
  });

  test('a receiver that applied part of a fold applies only the rest', () => {
    const [folded] = foldOutbox([sent(4, 1), sent(5, 2), sent(7, 3)], mergeOf);
    expect(unappliedRest(folded!, 5, sum)).toMatchObject({ input: 3, merged: { count: 1, from: 7 } });
    expect(unappliedRest(folded!, 7, sum)).toBeUndefined();
    expect(unappliedRest(folded!, 3, sum)).toBe(folded);
    expect(unappliedRest(folded!, undefined, sum)).toBe(folded);
  });
});

describe('merge in the registry', () => {
  test('a mergeable operation keeps its merge function', () => {
    @Entity()
    class Views {
      n = 0;
      @Operation({ merge: (a: number, b: number) => a + b }) add(k: number): void {
        this.n += k;
      }
    }
    const merge = Registry.create({ entities: [Views] })
      .entityOf(Views)
      .operations.get('add')!.merge!;
    expect(merge(2, 3)).toBe(5);
  });

  test('a merge that is not a function, or on an operation without input, is refused with the fix', () => {
    @Entity()
    class NotAFunction {
      @Operation({ merge: 5 as never }) add(_k: number): void {}
    }
    @Entity()
    class NoInput {
      @Operation({ merge: (a: number, b: number) => a + b }) tick(): void {}
    }
    expect(() => Registry.create({ entities: [NotAFunction] })).toThrow(DefinitionError);
    expect(() => Registry.create({ entities: [NotAFunction] })).toThrow(/must be a function/);
    expect(() => Registry.create({ entities: [NoInput] })).toThrow(/takes no input/);
  });
});
