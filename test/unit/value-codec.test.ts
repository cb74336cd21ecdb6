import 'reflect-metadata';
import { Exclude, Type } from 'class-transformer';
import { describe, expect, test } from 'vitest';
import { ErrorCode, SerializationError } from '../../src/errors';
import { assignPlain, fromPlain, toJson, toPlain } from '../../src/runtime/value-codec';

function serializationErrorOf(action: () => unknown): SerializationError {
  try {
    action();
  } catch (error) {
    if (error instanceof SerializationError) return error;
    throw error;
  }
  throw new Error('expected a SerializationError, but nothing was thrown');
}

class Address {
  street = '';
  city = '';
}

class LineItem {
  sku = '';
  quantity = 0;
}

class Customer {
  name = 'Ada';
  @Type(() => Address) address = Object.assign(new Address(), { street: 'Main St 1', city: 'Zurich' });
  @Type(() => LineItem) items: LineItem[] = [Object.assign(new LineItem(), { sku: 'A-1', quantity: 2 })];
  @Type(() => Date) createdAt = new Date('2024-05-01T12:00:00.000Z');
  @Type(() => Number) scores: Map<string, number> = new Map([
    ['math', 90],
    ['art', 75],
  ]);
  @Type(() => Address) previous: Map<string, Address> = new Map([['2020', Object.assign(new Address(), { street: 'Old Rd', city: 'Bern' })]]);
}

const CUSTOMER_JSON =
  '{"name":"Ada","address":{"street":"Main St 1","city":"Zurich"},"items":[{"sku":"A-1","quantity":2}],' +
  '"createdAt":"2024-05-01T12:00:00.000Z","scores":{"math":90,"art":75},"previous":{"2020":{"street":"Old Rd","city":"Bern"}}}';

class Mailer {
  send(to: string): string {
    return to;
  }
}

class WithExcluded {
  count = 1;
  @Exclude() callback = (): number => 42;
  @Exclude() mailer = new Mailer();
}

describe('toPlain and toJson accept storable values', () => {
  test.each([
    ['zero', 0, '0'],
    ['a negative float', -1.5, '-1.5'],
    ['a string', 'text "quoted"', '"text \\"quoted\\""'],
    ['true', true, 'true'],
    ['null', null, 'null'],
    ['an array', [1, 'two', null, false], '[1,"two",null,false]'],
    ['a nested plain object', { a: { b: [1, { c: 'd' }] }, e: null }, '{"a":{"b":[1,{"c":"d"}]},"e":null}'],
  ])('%s', (_label, value, json) => {
    expect(toPlain(value, 'input')).toStrictEqual(value);
    expect(toJson(value, 'input')).toBe(json);
  });

  test('undefined stays undefined as a plain value and becomes null as JSON', () => {
    expect(toPlain(undefined, 'result')).toBeUndefined();
    expect(toJson(undefined, 'result')).toBe('null');
  });

  test('a class instance with @Type-annotated nested instances, Date and Maps becomes plain JSON', () => {
    expect(toJson(new Customer(), 'state')).toBe(CUSTOMER_JSON);
  });

  test('toPlain of a class instance returns plain objects, not instances', () => {
    const plain = toPlain(new Customer(), 'state') as Record<string, unknown>;
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(plain.address).toStrictEqual({ street: 'Main St 1', city: 'Zurich' });
    expect(plain.items).toStrictEqual([{ sku: 'A-1', quantity: 2 }]);
    expect(plain.scores).toStrictEqual({ math: 90, art: 75 });
  });

  test('a top-level Date is accepted', () => {
    expect(toJson(new Date(5), 'input')).toBe('"1970-01-01T00:00:00.005Z"');
  });

  test('@Exclude()d fields holding a function or a service object are left out', () => {
    expect(toPlain(new WithExcluded(), 'state')).toStrictEqual({ count: 1 });
    expect(toJson(new WithExcluded(), 'state')).toBe('{"count":1}');
  });
});

describe('toPlain rejects values JSON cannot store faithfully', () => {
  test('a BigInt at the top level', () => {
    const error = serializationErrorOf(() => toPlain(10n, 'input'));
    expect(error.code).toBe(ErrorCode.Serialization);
    expect(error.path).toBe('input');
    expect(error.message).toBe('input is a BigInt, which JSON cannot store. Store it as a string or a number instead.');
  });

  test('a BigInt in a field', () => {
    class Ledger {
      total = 10n;
    }
    const error = serializationErrorOf(() => toJson(new Ledger(), 'state'));
    expect(error.path).toBe('state.total');
    expect(error.message).toBe('state.total is a BigInt, which JSON cannot store. Store it as a string or a number instead.');
  });

  test('a function at the top level', () => {
    const error = serializationErrorOf(() => toPlain(() => 1, 'result'));
    expect(error.code).toBe(ErrorCode.Serialization);
    expect(error.path).toBe('result');
    expect(error.message).toBe('result is a function, which is not state and cannot be stored. Move it to a method, or mark the field with @Exclude().');
  });

  test('a function-valued field of a class', () => {
    class WithCallback {
      count = 0;
      onChange = (): void => {};
    }
    const error = serializationErrorOf(() => toPlain(new WithCallback(), 'state'));
    expect(error.path).toBe('state.onChange');
    expect(error.message).toBe(
      'state.onChange is a function, which is not state and cannot be stored. Move it to a method, or mark the field with @Exclude().',
    );
  });

  test('a function nested in a plain object', () => {
    const error = serializationErrorOf(() => toPlain({ settings: { format: (n: number) => String(n) } }, 'input'));
    expect(error.path).toBe('input.settings.format');
    expect(error.message).toContain('input.settings.format is a function');
  });

  test('a symbol at the top level and in a field', () => {
    const top = serializationErrorOf(() => toPlain(Symbol('x'), 'input'));
    expect(top.path).toBe('input');
    expect(top.message).toBe('input is a symbol, which JSON cannot store. Use a string instead.');
    const nested = serializationErrorOf(() => toPlain({ tag: Symbol('x') }, 'input'));
    expect(nested.path).toBe('input.tag');
    expect(nested.message).toBe('input.tag is a symbol, which JSON cannot store. Use a string instead.');
  });

  test('NaN', () => {
    const error = serializationErrorOf(() => toPlain({ ratio: 0 / 0 }, 'state'));
    expect(error.path).toBe('state.ratio');
    expect(error.message).toBe('state.ratio is NaN, which JSON would turn into null. Store a finite number or null.');
  });

  test('Infinity and -Infinity, including inside arrays', () => {
    const top = serializationErrorOf(() => toJson(Infinity, 'result'));
    expect(top.path).toBe('result');
    expect(top.message).toBe('result is Infinity, which JSON would turn into null. Store a finite number or null.');
    const inArray = serializationErrorOf(() => toJson({ samples: [1, 2, -Infinity] }, 'state'));
    expect(inArray.path).toBe('state.samples[2]');
    expect(inArray.message).toBe('state.samples[2] is -Infinity, which JSON would turn into null. Store a finite number or null.');
  });

  test('a cycle', () => {
    const parent: { name: string; children: unknown[] } = { name: 'root', children: [] };
    parent.children.push({ name: 'child', parent });
    const error = serializationErrorOf(() => toPlain(parent, 'state'));
    expect(error.code).toBe(ErrorCode.Serialization);
    expect(error.path).toBe('state');
    expect(error.message).toBe(
      'state contains a cycle (an object that refers back to one of its parents); JSON cannot store it. ' +
        'Store ids instead of references, or exclude the field with @Exclude().',
    );
  });

  test('a Date field without @Type', () => {
    class Appointment {
      at = new Date(0);
    }
    const error = serializationErrorOf(() => toJson(new Appointment(), 'state'));
    expect(error.path).toBe('state.at');
    expect(error.message).toBe(
      'Appointment.at holds a value of type Date, which would be read back as plain JSON, not as Date. Give the field @Type(() => Date), from class-transformer.',
    );
  });

  test('an array of Dates without @Type', () => {
    class Calendar {
      days = [new Date(0), new Date(1)];
    }
    const error = serializationErrorOf(() => toJson(new Calendar(), 'state'));
    expect(error.path).toBe('state.days');
    expect(error.message).toContain('Calendar.days holds a value of type Date');
  });

  test('a nested class instance without @Type', () => {
    class Shipment {
      destination = new Address();
    }
    const error = serializationErrorOf(() => toJson(new Shipment(), 'state'));
    expect(error.path).toBe('state.destination');
    expect(error.message).toContain('Shipment.destination holds a value of type Address');
    expect(error.message).toContain('Address, which would be read back as plain JSON, not as Address.');
    expect(error.message).toContain('Give the field @Type(() => Address)');
  });

  test('a missing @Type deeper in a nested class', () => {
    class Event {
      at = new Date(0);
    }
    class Schedule {
      @Type(() => Event) next = new Event();
    }
    const error = serializationErrorOf(() => toJson(new Schedule(), 'state'));
    expect(error.path).toBe('state.next.at');
    expect(error.message).toContain('Event.at holds a value of type Date');
  });

  test('a Map without @Type', () => {
    class Inventory {
      stock = new Map([['apple', 3]]);
    }
    const error = serializationErrorOf(() => toJson(new Inventory(), 'state'));
    expect(error.path).toBe('state.stock');
    expect(error.message).toBe(
      'Inventory.stock holds a value of type Map, which would be read back as plain JSON, not as Map. ' +
        'Give the field @Type(() => ValueType) (the type of its values) and a Map<...> type annotation, from class-transformer.',
    );
  });

  test('a Date inside a plain object asks for a class with @Type', () => {
    const error = serializationErrorOf(() => toJson({ when: new Date(0) }, 'input'));
    expect(error.path).toBe('input.when');
    expect(error.message).toBe(
      'input.when holds a value of type Date, which would be read back as plain JSON, not as Date. ' +
        'Declare a class for the enclosing object and give the field @Type(() => Date).',
    );
  });

  test('an invalid Date is rejected instead of being stored as null', () => {
    class Deadline {
      @Type(() => Date) due = new Date(Number.NaN);
    }
    const error = serializationErrorOf(() => toJson(new Deadline(), 'state'));
    expect(error.path).toBe('state.due');
  });
});

describe('toJson and assignPlain round-trip', () => {
  test('restores class instances, Dates and Maps', () => {
    const original = new Customer();
    original.address.city = 'Geneva';
    original.scores.set('music', 60);
    const json = toJson(original, 'state');

    const restored = assignPlain(new Customer(), JSON.parse(json));

    expect(restored).toBeInstanceOf(Customer);
    expect(restored.address).toBeInstanceOf(Address);
    expect(restored.address).toEqual({ street: 'Main St 1', city: 'Geneva' });
    expect(restored.items).toHaveLength(1);
    expect(restored.items[0]).toBeInstanceOf(LineItem);
    expect(restored.items[0]).toEqual({ sku: 'A-1', quantity: 2 });
    expect(restored.createdAt).toBeInstanceOf(Date);
    expect(restored.createdAt.getTime()).toBe(Date.parse('2024-05-01T12:00:00.000Z'));
    expect(restored.scores).toBeInstanceOf(Map);
    expect([...restored.scores]).toEqual([
      ['math', 90],
      ['art', 75],
      ['music', 60],
    ]);
    expect(restored.previous).toBeInstanceOf(Map);
    expect(restored.previous.get('2020')).toBeInstanceOf(Address);
    expect(restored.previous.get('2020')?.city).toBe('Bern');
    expect(toJson(restored, 'state')).toBe(json);
  });

  test('keeps @Exclude()d fields of the existing instance', () => {
    const mailer = new Mailer();
    const target = Object.assign(new WithExcluded(), { mailer, count: 0 });
    const restored = assignPlain(target, JSON.parse(toJson(Object.assign(new WithExcluded(), { count: 7 }), 'state')));
    expect(restored).toBe(target);
    expect(restored.count).toBe(7);
    expect(restored.mailer).toBe(mailer);
    expect(restored.callback()).toBe(42);
  });

  test('keeps defaults of fields absent from the stored JSON', () => {
    class Evolving {
      name = '';
      addedLater = 'default';
    }
    const restored = assignPlain(new Evolving(), { name: 'old' });
    expect(restored.name).toBe('old');
    expect(restored.addedLater).toBe('default');
  });
});

describe('fromPlain', () => {
  test('converts an object to the declared class', () => {
    const value = fromPlain(Address, { street: 'Main St 1', city: 'Zurich' });
    expect(value).toBeInstanceOf(Address);
    expect(value).toEqual({ street: 'Main St 1', city: 'Zurich' });
  });

  test('converts an ISO string or epoch milliseconds to a Date', () => {
    const fromString = fromPlain(Date, '2024-05-01T12:00:00.000Z');
    expect(fromString).toBeInstanceOf(Date);
    expect((fromString as Date).toISOString()).toBe('2024-05-01T12:00:00.000Z');
    const fromNumber = fromPlain(Date, 86_400_000);
    expect(fromNumber).toBeInstanceOf(Date);
    expect((fromNumber as Date).toISOString()).toBe('1970-01-02T00:00:00.000Z');
  });

  test('returns the value unchanged without a declared type', () => {
    const value = { street: 'x' };
    expect(fromPlain(undefined, value)).toBe(value);
    expect(fromPlain(undefined, '2024-05-01T12:00:00.000Z')).toBe('2024-05-01T12:00:00.000Z');
  });

  test.each([
    ['a number', 5],
    ['a string', 'text'],
    ['a boolean', false],
    ['null', null],
    ['undefined', undefined],
  ])('leaves %s alone even when a class is declared', (_label, value) => {
    expect(fromPlain(Address, value)).toBe(value);
  });

  test('leaves an array alone when a class is declared', () => {
    const value = [{ street: 'x' }];
    expect(fromPlain(Address, value)).toBe(value);
  });

  test('leaves null alone when Date is declared', () => {
    expect(fromPlain(Date, null)).toBeNull();
  });
});
