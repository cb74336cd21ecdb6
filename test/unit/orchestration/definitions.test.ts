import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { Activity, Entity, Operation, Orchestrator } from '../../../decorators';
import { DefinitionError, UnknownActivityError, UnknownOrchestratorError } from '../../../src/errors';
import { Registry } from '../../../src/registry/registry';
import type { OrchestrationContext } from '../../../src/runtime/orchestration/orchestration-context';

function definitionErrorOf(action: () => unknown): DefinitionError {
  try {
    action();
  } catch (error) {
    if (error instanceof DefinitionError) return error;
    throw error;
  }
  throw new Error('expected a DefinitionError, but nothing was thrown');
}

class Greeter {
  @Activity() hello(name: string): string {
    return `hi ${name}`;
  }
  @Activity('greet.loud') shout(name: string): string {
    return name.toUpperCase();
  }
  @Activity({ name: 'Greeter.bye' }) farewell(): string {
    return 'bye';
  }
  notAnActivity(): void {}
}

class PoliteGreeter extends Greeter {
  @Activity() thank(): string {
    return 'thanks';
  }
}

@Orchestrator()
class Hello {
  async run(_ctx: OrchestrationContext, name: string): Promise<string> {
    return name;
  }
}

@Orchestrator('Custom')
class NamedFlow {
  async run(): Promise<void> {}
}

@Entity()
class Counter {
  @Operation() add(): void {}
}

describe('@Orchestrator and @Activity definitions', () => {
  test('orchestrators are registered by class name or given name, frozen', () => {
    const registry = Registry.create({ orchestrators: [Hello, NamedFlow] });
    expect(registry.orchestratorOf(Hello)).toEqual({ name: 'Hello', ctor: Hello });
    expect(registry.orchestratorNamed('Custom').ctor).toBe(NamedFlow);
    expect(registry.hasOrchestrator('NamedFlow')).toBe(false);
    expect(registry.orchestrators.map((o) => o.name)).toEqual(['Hello', 'Custom']);
    expect(Object.isFrozen(registry.orchestratorOf(Hello))).toBe(true);
  });

  test('activities are named ClassName.method unless given a name', () => {
    const registry = Registry.create({ activities: [Greeter] });
    expect(registry.activities.map((a) => [a.name, a.ctor.name, a.methodName])).toEqual([
      ['Greeter.hello', 'Greeter', 'hello'],
      ['greet.loud', 'Greeter', 'shout'],
      ['Greeter.bye', 'Greeter', 'farewell'],
    ]);
    expect([...registry.activitiesOf(Greeter).byMethod.keys()]).toEqual(['hello', 'shout', 'farewell']);
    expect(registry.hasActivity('Greeter.notAnActivity')).toBe(false);
    expect(Object.isFrozen(registry.activityNamed('Greeter.hello'))).toBe(true);
  });

  test('inherited activities are named after the registered subclass; given names stay as given', () => {
    const registry = Registry.create({ activities: [PoliteGreeter] });
    expect(registry.activities.map((a) => a.name)).toEqual(['PoliteGreeter.thank', 'PoliteGreeter.hello', 'greet.loud', 'Greeter.bye']);
    expect(registry.activityNamed('PoliteGreeter.hello')).toMatchObject({ ctor: PoliteGreeter, methodName: 'hello' });
    // Registering the base class too would define 'greet.loud' twice.
    expect(definitionErrorOf(() => Registry.create({ activities: [Greeter, PoliteGreeter] })).message).toContain("Two activities are named 'greet.loud'");
  });

  test('unknown names are typed errors that list what is known', () => {
    const registry = Registry.create({ orchestrators: [Hello], activities: [Greeter] });
    expect(() => registry.orchestratorNamed('Nope')).toThrow(UnknownOrchestratorError);
    expect(() => registry.activityNamed('Greeter.nope')).toThrow(
      "No activity named 'Greeter.nope' is registered. Known activities: 'Greeter.hello', 'greet.loud', 'Greeter.bye'.",
    );
    expect(() => registry.activityNamed('x')).toThrow(UnknownActivityError);
  });

  test('entities keep working next to orchestrators and activities', () => {
    const registry = Registry.create({ entities: [Counter], orchestrators: [Hello], activities: [Greeter] });
    expect(registry.entityOf(Counter).name).toBe('Counter');
    expect(registry.entities).toHaveLength(1);
  });

  test('an open registry learns decorated orchestrators and activity classes on first use', () => {
    const registry = Registry.openRegistry();
    expect(registry.orchestratorOf(Hello).name).toBe('Hello');
    expect(registry.hasOrchestrator('Hello')).toBe(true);
    expect(registry.activitiesOf(Greeter).byMethod.get('shout')!.name).toBe('greet.loud');
    expect(registry.hasActivity('greet.loud')).toBe(true);
    expect(definitionErrorOf(() => registry.orchestratorOf(Counter)).message).toBe(
      'Counter is not an orchestrator. Decorate the class with @Orchestrator() and list it in DurableApp.create({ orchestrators: [...] }).',
    );
  });

  test('a closed registry names the missing registration', () => {
    const registry = Registry.create({});
    expect(definitionErrorOf(() => registry.orchestratorOf(Hello)).message).toBe(
      'Orchestrator class Hello is not registered with this app. Add it to DurableApp.create({ orchestrators: [...] }).',
    );
    expect(definitionErrorOf(() => registry.activitiesOf(Greeter)).message).toBe(
      'Activity class Greeter is not registered with this app. Add it to DurableApp.create({ activities: [...] }).',
    );
  });
});

describe('bad declarations are DefinitionErrors with a fix', () => {
  test('an orchestrator without a run method', () => {
    @Orchestrator()
    class NoRun {
      async execute(): Promise<void> {}
    }
    expect(definitionErrorOf(() => Registry.create({ orchestrators: [NoRun] })).message).toBe(
      "Orchestrator 'NoRun' (class NoRun) has no run method. Add `async run(ctx: OrchestrationContext, input) { ... }`: it is the orchestration's code.",
    );
  });

  test('a run method with too many parameters', () => {
    @Orchestrator()
    class TooMany {
      async run(_ctx: OrchestrationContext, _a: number, _b: number): Promise<void> {}
    }
    expect(definitionErrorOf(() => Registry.create({ orchestrators: [TooMany] })).message).toContain('TooMany.run declares 3 parameters');
  });

  test('a class listed as an orchestrator without @Orchestrator', () => {
    class Plain {
      async run(): Promise<void> {}
    }
    expect(definitionErrorOf(() => Registry.create({ orchestrators: [Plain] })).message).toBe(
      'Plain is listed in orchestrators but has no @Orchestrator() decorator. Add @Orchestrator() to the class.',
    );
  });

  test('two orchestrators with one name, and one listed twice', () => {
    @Orchestrator('Hello')
    class Impostor {
      async run(): Promise<void> {}
    }
    expect(definitionErrorOf(() => Registry.create({ orchestrators: [Hello, Impostor] })).message).toBe(
      "Two orchestrator classes are named 'Hello': Hello and Impostor. Orchestrator names must be unique in an app; give one a different name with @Orchestrator('OtherName').",
    );
    expect(definitionErrorOf(() => Registry.create({ orchestrators: [Hello, Hello] })).message).toBe(
      'Hello is listed twice in orchestrators. List each orchestrator class once.',
    );
  });

  test('an invalid orchestrator name', () => {
    @Orchestrator('has space')
    class Spaced {
      async run(): Promise<void> {}
    }
    expect(definitionErrorOf(() => Registry.create({ orchestrators: [Spaced] })).message).toBe(
      "Orchestrator name 'has space' (class Spaced) is not valid: use 1-64 letters, digits, '_' or '-', starting with a letter or '_'.",
    );
  });

  test('a class that is both an entity and an orchestrator', () => {
    @Orchestrator()
    @Entity()
    class Both {
      @Operation() run(): void {}
    }
    expect(definitionErrorOf(() => Registry.create({ orchestrators: [Both] })).message).toContain('decorated with both @Entity() and @Orchestrator()');
    expect(definitionErrorOf(() => Registry.create({ activities: [Counter] })).message).toBe(
      'Counter is an entity and cannot be listed in activities. Put activities on a plain class of their own.',
    );
  });

  test('two activities with one name, in one class or across classes', () => {
    class Twice {
      @Activity('same') a(): void {}
      @Activity('same') b(): void {}
    }
    expect(definitionErrorOf(() => Registry.create({ activities: [Twice] })).message).toBe(
      "Twice declares activity 'same' on two methods. Give each activity its own name.",
    );
    class Other {
      @Activity('Greeter.hello') hi(): void {}
    }
    expect(definitionErrorOf(() => Registry.create({ activities: [Greeter, Other] })).message).toBe(
      "Two activities are named 'Greeter.hello': Greeter.hello and Other.hi. Activity names must be unique in an app; give one a different name with @Activity('otherName').",
    );
    expect(definitionErrorOf(() => Registry.create({ activities: [Greeter, Greeter] })).message).toBe(
      'Greeter is listed twice in activities. List each activity class once.',
    );
  });

  test('an activity with two parameters, a static activity, an invalid name, a class without activities', () => {
    class TwoParams {
      @Activity() add(_a: number, _b: number): void {}
    }
    expect(definitionErrorOf(() => Registry.create({ activities: [TwoParams] })).message).toBe(
      'Activity TwoParams.add declares 2 parameters; activities take at most one input. Pass several values as one object, e.g. charge({ orderId, amount }).',
    );
    class Static {
      @Activity() static run(): void {}
    }
    expect(definitionErrorOf(() => Registry.create({ activities: [Static] })).message).toBe(
      "@Activity() on static Static.run is not supported: activities are instance methods. Remove 'static'.",
    );
    class BadName {
      @Activity('no spaces allowed') run(): void {}
    }
    expect(definitionErrorOf(() => Registry.create({ activities: [BadName] })).message).toContain(
      "Activity name 'no spaces allowed' (BadName.run) is not valid",
    );
    expect(definitionErrorOf(() => Registry.create({ activities: [Counter] })).message).toContain('is an entity');
    class Empty {
      run(): void {}
    }
    expect(definitionErrorOf(() => Registry.create({ activities: [Empty] })).message).toBe(
      'Empty is listed in activities but has no @Activity() methods. Mark its methods with @Activity().',
    );
    expect(definitionErrorOf(() => Registry.create({ activities: ['Greeter' as unknown as Function] })).message).toBe(
      'activities must contain classes, got string Greeter.',
    );
  });
});
