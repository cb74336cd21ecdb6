import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { Entity, Operation } from '../../decorators';
import { DefinitionError, ErrorCode, UnknownOperationError } from '../../src/errors';
import { Registry } from '../../src/registry/registry';

function definitionErrorOf(action: () => unknown): DefinitionError {
  try {
    action();
  } catch (error) {
    if (error instanceof DefinitionError) return error;
    throw error;
  }
  throw new Error('expected a DefinitionError, but nothing was thrown');
}

function createWith(...entities: unknown[]): Registry {
  return Registry.create({ entities: entities as Function[] });
}

@Entity()
class Counter {
  value = 0;
  @Operation() add(amount: number): void {
    this.value += amount;
  }
  @Operation() get(): number {
    return this.value;
  }
}

@Entity('Custom')
class NamedByString {
  @Operation('alias') realMethodName(): string {
    return 'real';
  }
  @Operation({ name: 'other' }) anotherMethod(): void {}
}

@Entity({ name: 'FromOptions' })
class NamedByOptions {
  @Operation() run(): void {}
}

class NotDecorated {
  @Operation() run(): void {}
}

@Entity()
class DecoratedButUnregistered {
  @Operation() run(): void {}
}

describe('Registry.create accepts valid entities', () => {
  test('registers an entity under its class name with its operations in declaration order', () => {
    const registry = createWith(Counter);
    const definition = registry.entityOf(Counter);
    expect(definition.name).toBe('Counter');
    expect(definition.ctor).toBe(Counter);
    expect([...definition.operations.keys()]).toEqual(['add', 'get']);
    expect(definition.operations.get('add')).toEqual({ name: 'add', methodName: 'add', isAsync: false });
    expect(registry.hasEntity('Counter')).toBe(true);
    expect(registry.hasEntity('counter')).toBe(false);
    expect(registry.entities.map((d) => d.name)).toEqual(['Counter']);
  });

  test('@Entity(name) and @Entity({ name }) replace the class name', () => {
    const registry = createWith(NamedByString, NamedByOptions);
    expect(registry.entityOf(NamedByString).name).toBe('Custom');
    expect(registry.entityNamed('Custom').ctor).toBe(NamedByString);
    expect(registry.entityOf(NamedByOptions).name).toBe('FromOptions');
    expect(registry.hasEntity('NamedByString')).toBe(false);
  });

  test('@Operation(name) and @Operation({ name }) expose the method under the alias', () => {
    const definition = createWith(NamedByString).entityOf(NamedByString);
    expect([...definition.operations.keys()]).toEqual(['alias', 'other']);
    expect(definition.operations.get('alias')).toEqual({ name: 'alias', methodName: 'realMethodName', isAsync: false });
    expect(definition.operations.get('other')).toEqual({ name: 'other', methodName: 'anotherMethod', isAsync: false });
    expect(definition.operations.has('realMethodName')).toBe(false);
  });

  test('definitions and their operations are frozen', () => {
    const definition = createWith(Counter).entityOf(Counter);
    expect(Object.isFrozen(definition)).toBe(true);
    expect(Object.isFrozen(definition.operations.get('add'))).toBe(true);
  });

  test('an empty or missing entity list gives an empty registry', () => {
    expect(Registry.create({}).entities).toEqual([]);
    expect(Registry.create({ entities: [] }).hasEntity('Counter')).toBe(false);
  });

  test('entity names at the edges of the allowed pattern are accepted', () => {
    @Entity('x'.repeat(64))
    class LongestName {
      @Operation() run(): void {}
    }
    @Entity('_under-score_9')
    class Punctuated {
      @Operation() run(): void {}
    }
    const registry = createWith(LongestName, Punctuated);
    expect(registry.hasEntity('x'.repeat(64))).toBe(true);
    expect(registry.hasEntity('_under-score_9')).toBe(true);
  });
});

describe('Registry.create rejects invalid declarations with a DefinitionError', () => {
  test.each(['then', 'toJSON', 'toString', 'constructor', 'hasOwnProperty'])('the reserved operation name %s', (name) => {
    @Entity()
    class Reserved {
      @Operation(name) run(): void {}
    }
    const error = definitionErrorOf(() => createWith(Reserved));
    expect(error.message).toBe(
      `Operation name '${name}' of entity 'Reserved' is reserved (proxies and JSON use it). Give the operation another name with @Operation('otherName').`,
    );
  });

  test.each(['$lock', '$idleCheck', '$mine'])("an operation name starting with '$' (%s), which marks built-in operations", (name) => {
    @Entity()
    class Dollar {
      @Operation(name) run(): void {}
    }
    expect(definitionErrorOf(() => createWith(Dollar)).message).toBe(
      `Operation name '${name}' of entity 'Dollar' starts with '$', which marks the runtime's own operations. Give it another name.`,
    );
  });

  test.each([0, 999, 1.5, -1, Number.NaN])('an idleRetentionMs of %s', (idleRetentionMs) => {
    @Entity({ idleRetentionMs })
    class Short {
      @Operation() run(): void {}
    }
    expect(definitionErrorOf(() => createWith(Short)).message).toBe(
      `@Entity({ idleRetentionMs }) of 'Short' must be a whole number of milliseconds, at least 1000; got ${String(idleRetentionMs)}.`,
    );
  });

  test('a class listed twice', () => {
    const error = definitionErrorOf(() => createWith(Counter, Counter));
    expect(error.message).toBe('Counter is listed twice in entities. List each entity class once.');
  });

  test('a class without @Entity', () => {
    const error = definitionErrorOf(() => createWith(NotDecorated));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.code).toBe('JETSTATE_DEFINITION');
    expect(error.message).toBe('NotDecorated is listed in entities but has no @Entity() decorator. Add @Entity() to the class.');
  });

  test('a subclass of an entity that is not decorated itself', () => {
    class SubCounter extends Counter {}
    const error = definitionErrorOf(() => createWith(SubCounter));
    expect(error.message).toBe('SubCounter is listed in entities but has no @Entity() decorator. Add @Entity() to the class.');
  });

  test('two classes with the same class name', () => {
    function makeTwin() {
      @Entity()
      class Twin {
        @Operation() run(): void {}
      }
      return Twin;
    }
    const error = definitionErrorOf(() => createWith(makeTwin(), makeTwin()));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe(
      "Two entity classes are named 'Twin': Twin and Twin. " + "Entity names must be unique in an app; give one a different name with @Entity('OtherName').",
    );
  });

  test("two classes declaring the same name with @Entity('Same')", () => {
    @Entity('Same')
    class First {
      @Operation() run(): void {}
    }
    @Entity('Same')
    class Second {
      @Operation() run(): void {}
    }
    const error = definitionErrorOf(() => createWith(First, Second));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe(
      "Two entity classes are named 'Same': First and Second. " + "Entity names must be unique in an app; give one a different name with @Entity('OtherName').",
    );
  });

  test('an @Entity name that clashes with another class name', () => {
    @Entity('Counter')
    class Impostor {
      @Operation() run(): void {}
    }
    const error = definitionErrorOf(() => createWith(Counter, Impostor));
    expect(error.message).toContain("Two entity classes are named 'Counter': Counter and Impostor.");
  });

  test.each([
    ['starting with a digit', '1Counter'],
    ['containing a slash', 'a/b'],
    ['containing a space', 'has space'],
    ['containing a dot', 'a.b'],
    ['empty', ''],
    ['longer than 64 characters', 'x'.repeat(65)],
    ['non-ASCII', 'Zähler'],
  ])('an invalid entity name (%s)', (_label, name) => {
    @Entity(name)
    class BadName {
      @Operation() run(): void {}
    }
    const error = definitionErrorOf(() => createWith(BadName));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe(`Entity name '${name}' (class BadName) is not valid: use 1-64 letters, digits, '_' or '-', starting with a letter or '_'.`);
  });

  test('an entity without operations', () => {
    @Entity()
    class Empty {
      value = 0;
      notAnOperation(): void {}
    }
    const error = definitionErrorOf(() => createWith(Empty));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe("Entity 'Empty' (class Empty) has no operations. Mark its methods with @Operation().");
  });

  test("an operation method named 'delete'", () => {
    @Entity()
    class DeletesItself {
      @Operation() delete(): void {}
    }
    const error = definitionErrorOf(() => createWith(DeletesItself));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe(
      "Entity 'DeletesItself' declares an operation named 'delete', which every entity already has. " +
        'Rename it, and call entityContext().deleteState() from it if it should delete the entity.',
    );
  });

  test("an operation aliased to 'delete'", () => {
    @Entity()
    class AliasesDelete {
      @Operation('delete') remove(): void {}
    }
    const error = definitionErrorOf(() => createWith(AliasesDelete));
    expect(error.message).toContain("declares an operation named 'delete', which every entity already has.");
  });

  test('an invalid operation name', () => {
    @Entity()
    class BadOperationName {
      @Operation('not valid') run(): void {}
    }
    const error = definitionErrorOf(() => createWith(BadOperationName));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe("Operation name 'not valid' of entity 'BadOperationName' is not valid: use letters, digits, '_', '$' or '-'.");
  });

  test('an operation method with two parameters', () => {
    @Entity()
    class TwoParams {
      @Operation() transfer(to: string, amount: number): string {
        return `${to}:${amount}`;
      }
    }
    const error = definitionErrorOf(() => createWith(TwoParams));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe(
      'Operation TwoParams.transfer declares 2 parameters; operations take at most one input. ' +
        'Pass several values as one object, e.g. transfer({ to, amount }).',
    );
  });

  test.each([
    ['a number', 42, 'number 42'],
    ['a string', 'Counter', 'string Counter'],
    ['a plain object', { name: 'Counter' }, 'an object'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined undefined'],
  ])('a non-class in entities (%s)', (_label, value, described) => {
    const error = definitionErrorOf(() => createWith(Counter, value));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe(`entities must contain classes, got ${described}.`);
  });

  test('two methods of one class declaring the same operation name are rejected instead of silently dropping the second', () => {
    @Entity()
    class DuplicateOperation {
      @Operation('run') first(): void {}
      @Operation('run') second(): void {}
    }
    const error = definitionErrorOf(() => createWith(DuplicateOperation));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toContain("'run'");
  });

  test('@Operation on a getter is rejected with a DefinitionError without running the getter on the prototype', () => {
    @Entity()
    class GetterOperation {
      items: string[] = [];
      @Operation() add(item: string): void {
        this.items.push(item);
      }
      @Operation() get size(): number {
        return this.items.length;
      }
    }
    const error = definitionErrorOf(() => createWith(GetterOperation));
    expect(error.message).toBe('@Operation() on GetterOperation.size must decorate a method.');
  });
});

describe('Registry lookups', () => {
  const registry = createWith(Counter, NamedByString);

  test('entityOf a decorated but unregistered class says to register it', () => {
    const error = definitionErrorOf(() => registry.entityOf(DecoratedButUnregistered));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe('Entity class DecoratedButUnregistered is not registered with this app. Add it to DurableApp.create({ entities: [...] }).');
  });

  test('entityOf an undecorated class says to decorate and register it', () => {
    const error = definitionErrorOf(() => registry.entityOf(NotDecorated));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe('NotDecorated is not an entity. Decorate the class with @Entity() and list it in DurableApp.create({ entities: [...] }).');
  });

  test('entityOf a value that is not a class says to pass the class', () => {
    const error = definitionErrorOf(() => registry.entityOf('Counter' as unknown as Function));
    expect(error.message).toBe("Expected an entity class, got string Counter. Pass the class itself, e.g. entity(Counter, 'key').");
  });

  test('entityNamed an unknown name lists the registered entities', () => {
    const error = definitionErrorOf(() => registry.entityNamed('Nope'));
    expect(error.code).toBe(ErrorCode.Definition);
    expect(error.message).toBe("No entity named 'Nope' is registered. Registered entities: 'Counter', 'Custom'. Check the name or register the class.");
  });

  test('entityNamed on an empty registry says none are registered', () => {
    const error = definitionErrorOf(() => Registry.create({}).entityNamed('Counter'));
    expect(error.message).toBe("No entity named 'Counter' is registered. Registered entities: (none). Check the name or register the class.");
  });

  test('entityNamed finds an entity by its declared name, not its class name', () => {
    expect(registry.entityNamed('Custom').ctor).toBe(NamedByString);
    expect(() => registry.entityNamed('NamedByString')).toThrow(DefinitionError);
  });

  test('operationOf returns the operation definition', () => {
    const definition = registry.entityOf(Counter);
    expect(Registry.operationOf(definition, 'get')).toEqual({ name: 'get', methodName: 'get', isAsync: false });
  });

  test('operationOf an unknown operation throws UnknownOperationError listing the known ones and delete', () => {
    const definition = registry.entityOf(Counter);
    let caught: unknown;
    try {
      Registry.operationOf(definition, 'nope');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnknownOperationError);
    const error = caught as UnknownOperationError;
    expect(error.code).toBe(ErrorCode.UnknownOperation);
    expect(error.entityName).toBe('Counter');
    expect(error.operationName).toBe('nope');
    expect(error.message).toBe(
      "Entity 'Counter' has no operation 'nope'. Known operations: 'add', 'get', 'delete'. " + 'Mark the method with @Operation() or fix the name.',
    );
  });

  test('operationOf by method name fails when the operation is aliased', () => {
    const definition = registry.entityOf(NamedByString);
    expect(() => Registry.operationOf(definition, 'realMethodName')).toThrow(
      "Entity 'Custom' has no operation 'realMethodName'. Known operations: 'alias', 'other', 'delete'.",
    );
  });
});

describe('operation inheritance', () => {
  class BaseAccount {
    balance = 0;
    @Operation() deposit(amount: number): void {
      this.balance += amount;
    }
    @Operation() balanceOf(): number {
      return this.balance;
    }
    @Operation() close(): void {}
  }

  @Entity()
  class SavingsAccount extends BaseAccount {
    @Operation('deposit') depositWithBonus(amount: number): void {
      this.balance += amount + 1;
    }
    @Operation() override close(): void {
      this.balance = 0;
    }
    @Operation() addInterest(): void {
      this.balance *= 2;
    }
  }

  @Entity()
  class PlainAccount extends BaseAccount {}

  test('a subclass inherits the operations of an undecorated base class', () => {
    const definition = createWith(PlainAccount).entityOf(PlainAccount);
    expect(definition.name).toBe('PlainAccount');
    expect([...definition.operations.values()]).toEqual([
      { name: 'deposit', methodName: 'deposit', isAsync: false },
      { name: 'balanceOf', methodName: 'balanceOf', isAsync: false },
      { name: 'close', methodName: 'close', isAsync: false },
    ]);
  });

  test('a subclass operation of the same name overrides the base one', () => {
    const definition = createWith(SavingsAccount).entityOf(SavingsAccount);
    expect(definition.operations.get('deposit')).toEqual({ name: 'deposit', methodName: 'depositWithBonus', isAsync: false });
    expect(definition.operations.get('close')).toEqual({ name: 'close', methodName: 'close', isAsync: false });
    expect(definition.operations.get('balanceOf')).toEqual({ name: 'balanceOf', methodName: 'balanceOf', isAsync: false });
    expect([...definition.operations.keys()].sort()).toEqual(['addInterest', 'balanceOf', 'close', 'deposit']);
  });

  test('the overriding subclass method is the one an instance runs', () => {
    const definition = createWith(SavingsAccount).entityOf(SavingsAccount);
    const account = new SavingsAccount();
    const methodName = definition.operations.get('deposit')?.methodName ?? '';
    (account as unknown as Record<string, (n: number) => void>)[methodName]?.(10);
    expect(account.balance).toBe(11);
  });

  test('a base class and its subclass can both be registered under their own names', () => {
    @Entity()
    class Base {
      @Operation() ping(): string {
        return 'base';
      }
    }
    @Entity()
    class Derived extends Base {
      @Operation() pong(): string {
        return 'derived';
      }
    }
    const registry = createWith(Base, Derived);
    expect([...registry.entityOf(Base).operations.keys()]).toEqual(['ping']);
    expect([...registry.entityOf(Derived).operations.keys()]).toEqual(['pong', 'ping']);
  });
});

describe('isAsync', () => {
  test('is true for async methods and methods declared to return a Promise, false otherwise', () => {
    @Entity()
    class Mixed {
      @Operation() plain(): number {
        return 1;
      }
      @Operation() async awaited(): Promise<number> {
        return 1;
      }
      @Operation() declared(): Promise<number> {
        return Promise.resolve(1);
      }
    }
    const definition = createWith(Mixed).entityOf(Mixed);
    expect([...definition.operations.values()].map((op) => [op.name, op.isAsync])).toEqual([
      ['plain', false],
      ['awaited', true],
      ['declared', true],
    ]);
  });
});

describe('inputType from design:paramtypes', () => {
  class TransferRequest {
    to = '';
    amount = 0;
  }

  @Entity()
  class Typed {
    @Operation() transfer(request: TransferRequest): string {
      return request.to;
    }
    @Operation() scheduleAt(when: Date): number {
      return when.getTime();
    }
    @Operation() add(amount: number): number {
      return amount;
    }
    @Operation() rename(name: string): string {
      return name;
    }
    @Operation() configure(options: object): object {
      return options;
    }
    @Operation() patch(fields: { a: number }): number {
      return fields.a;
    }
    @Operation() addAll(items: TransferRequest[]): number {
      return items.length;
    }
    @Operation() toggle(on: boolean): boolean {
      return on;
    }
    @Operation() reset(): void {}
  }

  const operations = createWith(Typed).entityOf(Typed).operations;

  test('a class-typed parameter gives that class', () => {
    expect(operations.get('transfer')?.inputType).toBe(TransferRequest);
  });

  test('a Date parameter gives Date', () => {
    expect(operations.get('scheduleAt')?.inputType).toBe(Date);
  });

  test.each(['add', 'rename', 'configure', 'patch', 'addAll', 'toggle', 'reset'])(
    'operation %s (primitive, object, array or no parameter) has no inputType',
    (name) => {
      const operation = operations.get(name);
      expect(operation?.name).toBe(name);
      expect(operation).not.toHaveProperty('inputType');
    },
  );
});
