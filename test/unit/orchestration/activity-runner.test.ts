import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { Type } from 'class-transformer';
import { Activity } from '../../../decorators';
import { JetstateError } from '../../../src/errors';
import { Registry } from '../../../src/registry/registry';
import { ActivityRunner } from '../../../src/runtime/orchestration/activity-runner';
import type { Constructor } from '../../../src/registry/entity-definition';

class Order {
  id = '';
  @Type(() => Date) placed = new Date(0);
  total(): string {
    return `${this.id}@${this.placed.toISOString()}`;
  }
}

class CodedError extends JetstateError {}

class Shop {
  constructor(private readonly prefix = 'plain') {}

  @Activity() async describe(order: Order): Promise<string> {
    return `${this.prefix}:${order instanceof Order ? order.total() : 'not restored'}`;
  }
  @Activity('Shop.fail') explode(): never {
    throw new RangeError('out of stock');
  }
  @Activity() coded(): never {
    throw new CodedError('JETSTATE_TIMEOUT', 'slow supplier');
  }
  @Activity() unstorable(): unknown {
    return { n: 1n };
  }
  @Activity() nothing(): void {}
}

const registry = Registry.create({ activities: [Shop] });
const task = { step: 4, executionId: 'exec-9', instanceId: 'order-1' };

describe('ActivityRunner', () => {
  test('runs the activity and answers its step with TaskCompleted and the plain result', async () => {
    const runner = new ActivityRunner({ registry });
    const result = await runner.run({ ...task, name: 'Shop.describe', input: { id: 'o1', placed: '2030-01-01T00:00:00.000Z' } });
    expect(result).toEqual({ kind: 'TaskCompleted', seq: 4, executionId: 'exec-9', result: 'plain:o1@2030-01-01T00:00:00.000Z' });
  });

  test('uses the instance factory (the dependency-injection hook)', async () => {
    const created: Function[] = [];
    const createInstance = (ctor: Constructor) => {
      created.push(ctor);
      return new (ctor as unknown as new (prefix: string) => object)('injected');
    };
    const result = await new ActivityRunner({ registry, createInstance }).run({ ...task, name: 'Shop.describe', input: { id: 'o2' } });
    expect(created).toEqual([Shop]);
    expect(result).toMatchObject({ kind: 'TaskCompleted', result: 'injected:o2@1970-01-01T00:00:00.000Z' });
  });

  test('a thrown error becomes TaskFailed with its name and message', async () => {
    const result = await new ActivityRunner({ registry }).run({ ...task, name: 'Shop.fail' });
    expect(result).toEqual({ kind: 'TaskFailed', seq: 4, executionId: 'exec-9', error: { name: 'RangeError', message: 'out of stock' } });
  });

  test('a jetstate error keeps its code', async () => {
    const result = await new ActivityRunner({ registry }).run({ ...task, name: 'Shop.coded' });
    expect(result).toEqual({
      kind: 'TaskFailed',
      seq: 4,
      executionId: 'exec-9',
      error: { name: 'CodedError', message: 'slow supplier', code: 'JETSTATE_TIMEOUT' },
    });
  });

  test('an unknown activity name becomes TaskFailed with an UnknownActivityError', async () => {
    const result = await new ActivityRunner({ registry }).run({ step: 1, name: 'Shop.refund' });
    expect(result).toEqual({
      kind: 'TaskFailed',
      seq: 1,
      error: {
        name: 'UnknownActivityError',
        code: 'JETSTATE_UNKNOWN_ACTIVITY',
        message:
          "No activity named 'Shop.refund' is registered. Known activities: 'Shop.describe', 'Shop.fail', 'Shop.coded', 'Shop.unstorable', 'Shop.nothing'. " +
          'Mark the method with @Activity(), list its class in DurableApp.create({ activities: [...] }), or fix the name.',
      },
    });
  });

  test('a result that cannot be stored becomes TaskFailed with a SerializationError', async () => {
    const result = await new ActivityRunner({ registry }).run({ ...task, name: 'Shop.unstorable' });
    expect(result).toMatchObject({ kind: 'TaskFailed', error: { name: 'SerializationError', code: 'JETSTATE_SERIALIZATION' } });
    expect(result.kind === 'TaskFailed' && result.error.message).toContain("result of activity 'Shop.unstorable'.n is a BigInt");
  });

  test('an activity that returns nothing completes without a result', async () => {
    expect(await new ActivityRunner({ registry }).run({ step: 2, name: 'Shop.nothing' })).toEqual({ kind: 'TaskCompleted', seq: 2 });
  });
});
