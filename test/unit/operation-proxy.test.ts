import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  createOperationProxy,
  type CallProxy,
  type OperationArgs,
  type OperationNames,
  type OperationResult,
  type SignalProxy,
} from '../../src/runtime/operation-proxy';

type Sent = [operation: string, args: readonly unknown[]];

function recordingSender(reply: (operation: string) => unknown = (operation) => `sent ${operation}`) {
  const sent: Sent[] = [];
  const send = (operation: string, args: readonly unknown[]): unknown => {
    sent.push([operation, args]);
    return reply(operation);
  };
  return { sent, send };
}

class C {
  value = 0;
  add(n: number): void {
    this.value += n;
  }
  get(): number {
    return this.value;
  }
  async load(): Promise<string> {
    return String(this.value);
  }
}

describe('createOperationProxy at run time', () => {
  test('a property is a function that forwards the operation name and the arguments', () => {
    const { sent, send } = recordingSender();
    const proxy = createOperationProxy<Record<string, (...args: unknown[]) => unknown>>(send);
    expect(typeof proxy.add).toBe('function');
    expect(sent).toEqual([]);
    expect(proxy.add?.(5)).toBe('sent add');
    expect(proxy.transfer?.({ to: 'b', amount: 2 }, 'extra')).toBe('sent transfer');
    expect(proxy.reset?.()).toBe('sent reset');
    expect(sent).toEqual([
      ['add', [5]],
      ['transfer', [{ to: 'b', amount: 2 }, 'extra']],
      ['reset', []],
    ]);
  });

  test('the value the sender returns is returned unchanged', async () => {
    const reply = Promise.resolve(42);
    const proxy = createOperationProxy<CallProxy<C>>(() => reply);
    const result = proxy.get();
    expect(result).toBe(reply);
    await expect(result).resolves.toBe(42);
  });

  test('the same function is returned on repeated access', () => {
    const { send } = recordingSender();
    const proxy = createOperationProxy<Record<string, unknown>>(send);
    const first = proxy.add;
    expect(proxy.add).toBe(first);
    expect(proxy.get).not.toBe(first);
    expect(proxy.get).toBe(proxy.get);
  });

  test('a detached sender still forwards its own operation name', () => {
    const { sent, send } = recordingSender();
    const { add, get } = createOperationProxy<SignalProxy<C>>(send);
    void get();
    void add(3);
    expect(sent).toEqual([
      ['get', []],
      ['add', [3]],
    ]);
  });

  test('then is undefined, so awaiting the proxy resolves to the proxy without sending', async () => {
    const { sent, send } = recordingSender();
    const proxy = createOperationProxy<Record<string, unknown>>(send);
    expect(proxy.then).toBeUndefined();
    const awaited: unknown = await proxy;
    const resolved: unknown = await Promise.resolve(proxy);
    expect(awaited === proxy).toBe(true);
    expect(resolved === proxy).toBe(true);
    expect(sent).toEqual([]);
  });

  test('symbol keys are undefined', () => {
    const { sent, send } = recordingSender();
    const proxy = createOperationProxy<Record<symbol, unknown>>(send);
    expect(proxy[Symbol.iterator]).toBeUndefined();
    expect(proxy[Symbol.asyncIterator]).toBeUndefined();
    expect(proxy[Symbol.toPrimitive]).toBeUndefined();
    expect(proxy[Symbol.toStringTag]).toBeUndefined();
    expect(proxy[Symbol.for('nodejs.util.inspect.custom')]).toBeUndefined();
    expect(sent).toEqual([]);
  });

  test('inspecting the proxy sends nothing', () => {
    const { sent, send } = recordingSender();
    const proxy = createOperationProxy<object>(send);
    expect(typeof inspect(proxy)).toBe('string');
    expect(Object.prototype.toString.call(proxy)).toBe('[object Object]');
    expect(sent).toEqual([]);
  });

  test('printing or serializing the proxy sends nothing', () => {
    const { sent, send } = recordingSender();
    const proxy = createOperationProxy<object>(send);
    expect(String(proxy)).toBe('[object Object]');
    expect(`${proxy}`).toBe('[object Object]');
    expect(JSON.stringify({ proxy })).toBe('{"proxy":{}}');
    expect(sent).toEqual([]);
  });
});

describe('proxy types', () => {
  test('OperationNames lists the methods and not the fields', () => {
    expectTypeOf<OperationNames<C>>().toEqualTypeOf<'add' | 'get' | 'load'>();
    expectTypeOf<OperationArgs<C, 'add'>>().toEqualTypeOf<[n: number]>();
    expectTypeOf<OperationArgs<C, 'get'>>().toEqualTypeOf<[]>();
    expectTypeOf<OperationResult<C, 'load'>>().toEqualTypeOf<string>();
    expectTypeOf<OperationResult<C, 'add'>>().toEqualTypeOf<void>();
  });

  test('SignalProxy turns every operation into a sender resolving to void and has no state fields', async () => {
    const { sent, send } = recordingSender(() => Promise.resolve(undefined));
    const signal = createOperationProxy<SignalProxy<C>>(send);

    expectTypeOf(signal.add).toEqualTypeOf<(n: number) => Promise<void>>();
    expectTypeOf(signal.get).toEqualTypeOf<() => Promise<void>>();
    expectTypeOf(signal.load).toEqualTypeOf<() => Promise<void>>();
    expectTypeOf<SignalProxy<C>>().not.toHaveProperty('value');
    expectTypeOf<keyof SignalProxy<C>>().toEqualTypeOf<'add' | 'get' | 'load'>();

    // @ts-expect-error value is state, not an operation
    expect(typeof signal.value).toBe('function');

    const result: void = await signal.add(5);
    expect(result).toBeUndefined();
    expect(sent).toEqual([['add', [5]]]);
  });

  test('CallProxy resolves to the awaited operation result', async () => {
    const { send } = recordingSender((operation) => Promise.resolve(operation === 'get' ? 7 : 'loaded'));
    const call = createOperationProxy<CallProxy<C>>(send);

    expectTypeOf<CallProxy<C>['get']>().toEqualTypeOf<() => Promise<number>>();
    expectTypeOf<CallProxy<C>['load']>().toEqualTypeOf<() => Promise<string>>();
    expectTypeOf<ReturnType<CallProxy<C>['load']>>().not.toEqualTypeOf<Promise<Promise<string>>>();
    expectTypeOf<CallProxy<C>['add']>().toEqualTypeOf<(n: number) => Promise<void>>();
    expectTypeOf<CallProxy<C>>().not.toHaveProperty('value');

    const n: number = await call.get();
    const s: string = await call.load();
    expect(n).toBe(7);
    expect(s).toBe('loaded');
  });

  test('wrong argument types and counts are compile errors', () => {
    const { sent, send } = recordingSender(() => Promise.resolve(undefined));
    const signal = createOperationProxy<SignalProxy<C>>(send);
    const call = createOperationProxy<CallProxy<C>>(send);

    // @ts-expect-error add takes a number
    void signal.add('5');
    // @ts-expect-error add needs its input
    void call.add();
    // @ts-expect-error get takes no input
    void call.get(1);
    // @ts-expect-error there is no operation named missing
    void call.missing;
    // @ts-expect-error a call result is a promise, not the value
    const notAwaited: number = call.get();

    expect(typeof notAwaited).toBe('object');
    expect(sent).toEqual([
      ['add', ['5']],
      ['add', []],
      ['get', [1]],
      ['get', []],
    ]);
  });
});
