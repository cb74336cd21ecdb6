import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as source from '../../src/errors';
import * as index from '../../src/index';
import {
  ActivityFailedError,
  AppStoppedError,
  DefinitionError,
  ErrorCode,
  InvalidEntityIdError,
  InvalidOptionsError,
  JetstateError,
  NonDeterminismError,
  OperationFailedError,
  OutsideOperationError,
  SerializationError,
  StorageError,
  SubOrchestrationFailedError,
  TimeoutError,
  UnknownOperationError,
} from '../../src/errors';

// A worker that dead-letters a call answers with this code; the caller gets an
// OperationFailedError carrying it as remoteCode, so no class of its own has it.
const REMOTE_ONLY_CODES: string[] = [ErrorCode.MessageRejected];

type ErrorsModule = typeof source;

const DIST_ENTRY = join(__dirname, '../../dist/src/index.js');

function loadDist(): ErrorsModule {
  if (!existsSync(DIST_ENTRY)) {
    throw new Error(`The compiled build ${DIST_ENTRY} is missing. Run \`npm run build\` before the tests.`);
  }
  return createRequire(__filename)(DIST_ENTRY) as ErrorsModule;
}

interface ErrorCase {
  readonly className: string;
  readonly code: string;
  readonly create: (lib: ErrorsModule) => InstanceType<ErrorsModule['JetstateError']>;
  readonly ctor: (lib: ErrorsModule) => Function;
}

const CASES: readonly ErrorCase[] = [
  {
    className: 'DefinitionError',
    code: 'JETSTATE_DEFINITION',
    create: (lib) => new lib.DefinitionError('bad class'),
    ctor: (lib) => lib.DefinitionError,
  },
  {
    className: 'UnknownOperationError',
    code: 'JETSTATE_UNKNOWN_OPERATION',
    create: (lib) => new lib.UnknownOperationError('Counter', 'nope', ['add']),
    ctor: (lib) => lib.UnknownOperationError,
  },
  {
    className: 'InvalidEntityIdError',
    code: 'JETSTATE_INVALID_ENTITY_ID',
    create: (lib) => new lib.InvalidEntityIdError('bad key'),
    ctor: (lib) => lib.InvalidEntityIdError,
  },
  {
    className: 'SerializationError',
    code: 'JETSTATE_SERIALIZATION',
    create: (lib) => new lib.SerializationError('bad value', 'state.x'),
    ctor: (lib) => lib.SerializationError,
  },
  {
    className: 'OperationFailedError',
    code: 'JETSTATE_OPERATION_FAILED',
    create: (lib) => new lib.OperationFailedError('Counter/a.add', 'RangeError', 'too big'),
    ctor: (lib) => lib.OperationFailedError,
  },
  {
    className: 'InvalidOptionsError',
    code: 'JETSTATE_INVALID_OPTIONS',
    create: (lib) => new lib.InvalidOptionsError('bad option'),
    ctor: (lib) => lib.InvalidOptionsError,
  },
  {
    className: 'AppStoppedError',
    code: 'JETSTATE_APP_STOPPED',
    create: (lib) => new lib.AppStoppedError(),
    ctor: (lib) => lib.AppStoppedError,
  },
  {
    className: 'StorageError',
    code: 'JETSTATE_STORAGE',
    create: (lib) => new lib.StorageError('disk full'),
    ctor: (lib) => lib.StorageError,
  },
  {
    className: 'TimeoutError',
    code: 'JETSTATE_TIMEOUT',
    create: (lib) => new lib.TimeoutError('too slow'),
    ctor: (lib) => lib.TimeoutError,
  },
  {
    className: 'OutsideOperationError',
    code: 'JETSTATE_OUTSIDE_OPERATION',
    create: (lib) => new lib.OutsideOperationError('entityContext()'),
    ctor: (lib) => lib.OutsideOperationError,
  },
  {
    className: 'PayloadTooLargeError',
    code: 'JETSTATE_PAYLOAD_TOO_LARGE',
    create: (lib) => new lib.PayloadTooLargeError(2048, 1024, 'The message'),
    ctor: (lib) => lib.PayloadTooLargeError,
  },
  {
    className: 'TransportError',
    code: 'JETSTATE_TRANSPORT',
    create: (lib) => new lib.TransportError('connection refused'),
    ctor: (lib) => lib.TransportError,
  },
  {
    className: 'NonDeterminismError',
    code: 'JETSTATE_NON_DETERMINISM',
    create: (lib) => new lib.NonDeterminismError('order-1', 'Order', 3, "TaskScheduled 'A'", "TaskScheduled 'B'"),
    ctor: (lib) => lib.NonDeterminismError,
  },
  {
    className: 'ActivityFailedError',
    code: 'JETSTATE_ACTIVITY_FAILED',
    create: (lib) => new lib.ActivityFailedError('Greeter.hello', 'TypeError', 'boom'),
    ctor: (lib) => lib.ActivityFailedError,
  },
  {
    className: 'SubOrchestrationFailedError',
    code: 'JETSTATE_SUB_ORCHESTRATION_FAILED',
    create: (lib) => new lib.SubOrchestrationFailedError('Child', 'p:0', 'Error', 'bad'),
    ctor: (lib) => lib.SubOrchestrationFailedError,
  },
  {
    className: 'UnknownActivityError',
    code: 'JETSTATE_UNKNOWN_ACTIVITY',
    create: (lib) => new lib.UnknownActivityError('Nope.run', ['Greeter.hello']),
    ctor: (lib) => lib.UnknownActivityError,
  },
  {
    className: 'UnknownOrchestratorError',
    code: 'JETSTATE_UNKNOWN_ORCHESTRATOR',
    create: (lib) => new lib.UnknownOrchestratorError('Nope', []),
    ctor: (lib) => lib.UnknownOrchestratorError,
  },
  {
    className: 'CriticalSectionError',
    code: 'JETSTATE_CRITICAL_SECTION',
    create: (lib) => new lib.CriticalSectionError('nested lock'),
    ctor: (lib) => lib.CriticalSectionError,
  },
  {
    className: 'OrchestrationNotFoundError',
    code: 'JETSTATE_ORCHESTRATION_NOT_FOUND',
    create: (lib) => new lib.OrchestrationNotFoundError('order-1'),
    ctor: (lib) => lib.OrchestrationNotFoundError,
  },
  {
    className: 'OrchestrationAlreadyExistsError',
    code: 'JETSTATE_ORCHESTRATION_ALREADY_EXISTS',
    create: (lib) => new lib.OrchestrationAlreadyExistsError('order-1'),
    ctor: (lib) => lib.OrchestrationAlreadyExistsError,
  },
  {
    className: 'OrchestrationNotRunningError',
    code: 'JETSTATE_ORCHESTRATION_NOT_RUNNING',
    create: (lib) => new lib.OrchestrationNotRunningError('order-1'),
    ctor: (lib) => lib.OrchestrationNotRunningError,
  },
  {
    className: 'OrchestrationStillRunningError',
    code: 'JETSTATE_ORCHESTRATION_STILL_RUNNING',
    create: (lib) => new lib.OrchestrationStillRunningError('order-1', 'Running'),
    ctor: (lib) => lib.OrchestrationStillRunningError,
  },
  {
    className: 'OrchestrationNotFailedError',
    code: 'JETSTATE_ORCHESTRATION_NOT_FAILED',
    create: (lib) => new lib.OrchestrationNotFailedError('order-1', 'Completed'),
    ctor: (lib) => lib.OrchestrationNotFailedError,
  },
  {
    className: 'OrchestrationFailedError',
    code: 'JETSTATE_ORCHESTRATION_FAILED',
    create: (lib) => new lib.OrchestrationFailedError('order-1', 'Failed', { name: 'Error', message: 'boom' }),
    ctor: (lib) => lib.OrchestrationFailedError,
  },
  {
    className: 'LateDataError',
    code: 'JETSTATE_LATE_DATA',
    create: (lib) => new lib.LateDataError('window closed'),
    ctor: (lib) => lib.LateDataError,
  },
  {
    className: 'NonRetryableError',
    code: 'JETSTATE_NON_RETRYABLE',
    create: (lib) => new lib.NonRetryableError('card refused'),
    ctor: (lib) => lib.NonRetryableError,
  },
  {
    className: 'ReadOnlyOperationError',
    code: 'JETSTATE_READ_ONLY_VIOLATION',
    create: (lib) => new lib.ReadOnlyOperationError('Ledger', 'balance', 'changed the state'),
    ctor: (lib) => lib.ReadOnlyOperationError,
  },
  {
    className: 'HttpCallFailedError',
    code: 'JETSTATE_HTTP_CALL_FAILED',
    create: (lib) => new lib.HttpCallFailedError('GET', 'http://127.0.0.1:1/', 'fetch failed (ECONNREFUSED)'),
    ctor: (lib) => lib.HttpCallFailedError,
  },
];

describe('error codes and names', () => {
  test('ErrorCode has exactly one distinct code per error class, besides the codes only remote errors carry', () => {
    const remoteOnly: string[] = REMOTE_ONLY_CODES;
    const codes = Object.values(ErrorCode).filter((code) => !remoteOnly.includes(code));
    expect(codes).toHaveLength(CASES.length);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(CASES.map((c) => c.code).sort());
    for (const code of remoteOnly) expect(CASES.map((c) => c.code)).not.toContain(code);
  });

  test('the codes are stable strings', () => {
    expect(ErrorCode).toEqual({
      Definition: 'JETSTATE_DEFINITION',
      UnknownOperation: 'JETSTATE_UNKNOWN_OPERATION',
      InvalidEntityId: 'JETSTATE_INVALID_ENTITY_ID',
      Serialization: 'JETSTATE_SERIALIZATION',
      OperationFailed: 'JETSTATE_OPERATION_FAILED',
      InvalidOptions: 'JETSTATE_INVALID_OPTIONS',
      AppStopped: 'JETSTATE_APP_STOPPED',
      Storage: 'JETSTATE_STORAGE',
      Timeout: 'JETSTATE_TIMEOUT',
      OutsideOperation: 'JETSTATE_OUTSIDE_OPERATION',
      PayloadTooLarge: 'JETSTATE_PAYLOAD_TOO_LARGE',
      Transport: 'JETSTATE_TRANSPORT',
      NonDeterminism: 'JETSTATE_NON_DETERMINISM',
      ActivityFailed: 'JETSTATE_ACTIVITY_FAILED',
      SubOrchestrationFailed: 'JETSTATE_SUB_ORCHESTRATION_FAILED',
      UnknownActivity: 'JETSTATE_UNKNOWN_ACTIVITY',
      UnknownOrchestrator: 'JETSTATE_UNKNOWN_ORCHESTRATOR',
      CriticalSection: 'JETSTATE_CRITICAL_SECTION',
      OrchestrationNotFound: 'JETSTATE_ORCHESTRATION_NOT_FOUND',
      OrchestrationAlreadyExists: 'JETSTATE_ORCHESTRATION_ALREADY_EXISTS',
      OrchestrationNotRunning: 'JETSTATE_ORCHESTRATION_NOT_RUNNING',
      OrchestrationFailed: 'JETSTATE_ORCHESTRATION_FAILED',
      OrchestrationStillRunning: 'JETSTATE_ORCHESTRATION_STILL_RUNNING',
      OrchestrationNotFailed: 'JETSTATE_ORCHESTRATION_NOT_FAILED',
      LateData: 'JETSTATE_LATE_DATA',
      NonRetryable: 'JETSTATE_NON_RETRYABLE',
      ReadOnlyViolation: 'JETSTATE_READ_ONLY_VIOLATION',
      HttpCallFailed: 'JETSTATE_HTTP_CALL_FAILED',
      MessageRejected: 'JETSTATE_MESSAGE_REJECTED',
    });
  });

  test.each(CASES)('$className has code $code and name $className', ({ className, code, create }) => {
    const error = create(source);
    expect(error.code).toBe(code);
    expect(error.name).toBe(className);
    expect(error.constructor.name).toBe(className);
    expect(String(error)).toBe(`${className}: ${error.message}`);
  });
});

describe('instanceof within one copy of the library', () => {
  test.each(CASES)('$className is an instance of itself, JetstateError and Error', ({ create, ctor }) => {
    const error = create(source);
    expect(error instanceof (ctor(source) as new () => unknown)).toBe(true);
    expect(error instanceof JetstateError).toBe(true);
    expect(error instanceof Error).toBe(true);
  });

  test.each(CASES)('$className is not an instance of any sibling class', ({ className, create }) => {
    const error = create(source);
    const matches = CASES.filter((other) => error instanceof (other.ctor(source) as new () => unknown)).map((other) => other.className);
    expect(matches).toEqual([className]);
  });

  test('a user subclass matches itself and its ancestors but not its siblings', () => {
    class ConfigError extends DefinitionError {}
    const error = new ConfigError('bad config');
    expect(error instanceof ConfigError).toBe(true);
    expect(error instanceof DefinitionError).toBe(true);
    expect(error instanceof JetstateError).toBe(true);
    expect(error instanceof StorageError).toBe(false);
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('JETSTATE_DEFINITION');
    expect(new DefinitionError('x') instanceof ConfigError).toBe(false);
  });

  test.each([
    ['a plain Error', new Error('x')],
    ['an Error named like a jetstate error', Object.assign(new Error('x'), { name: 'DefinitionError', code: 'JETSTATE_DEFINITION' })],
    ['a plain object', { name: 'DefinitionError', code: 'JETSTATE_DEFINITION', message: 'x' }],
    ['null', null],
    ['a string', 'DefinitionError'],
    ['undefined', undefined],
  ])('%s is not a JetstateError', (_label, value) => {
    expect(value instanceof JetstateError).toBe(false);
    expect(value instanceof DefinitionError).toBe(false);
  });
});

describe('instanceof across copies of the library', () => {
  test('the compiled build is a separate copy with its own classes', () => {
    const dist = loadDist();
    expect(dist.JetstateError).not.toBe(JetstateError);
    expect(dist.DefinitionError).not.toBe(DefinitionError);
    expect(dist.ErrorCode).toEqual(ErrorCode);
  });

  test.each(CASES)('a $className from the compiled build is an instance of the source class and vice versa', ({ create, ctor }) => {
    const dist = loadDist();
    const fromDist = create(dist);
    const fromSource = create(source);
    expect(fromDist instanceof (ctor(source) as new () => unknown)).toBe(true);
    expect(fromDist instanceof JetstateError).toBe(true);
    expect(fromSource instanceof (ctor(dist) as new () => unknown)).toBe(true);
    expect(fromSource instanceof dist.JetstateError).toBe(true);
  });

  test.each(CASES)('a $className from the other copy is not an instance of a sibling class', ({ className, create }) => {
    const dist = loadDist();
    const fromDist = create(dist);
    const fromSource = create(source);
    const sourceMatches = CASES.filter((other) => fromDist instanceof (other.ctor(source) as new () => unknown)).map((o) => o.className);
    const distMatches = CASES.filter((other) => fromSource instanceof (other.ctor(dist) as new () => unknown)).map((o) => o.className);
    expect(sourceMatches).toEqual([className]);
    expect(distMatches).toEqual([className]);
  });

  test('a plain Error is not an instance of the compiled build classes', () => {
    const dist = loadDist();
    expect(new Error('x') instanceof dist.JetstateError).toBe(false);
  });
});

describe('error details', () => {
  test('OperationFailedError carries the remote name, message and code', () => {
    const error = new OperationFailedError('Account/alice.withdraw', 'InsufficientFunds', 'balance 5 < 10', 'E_FUNDS');
    expect(error.operation).toBe('Account/alice.withdraw');
    expect(error.remoteName).toBe('InsufficientFunds');
    expect(error.remoteMessage).toBe('balance 5 < 10');
    expect(error.remoteCode).toBe('E_FUNDS');
    expect(error.code).toBe(ErrorCode.OperationFailed);
    expect(error.message).toBe('Account/alice.withdraw failed with InsufficientFunds: balance 5 < 10');
  });

  test('OperationFailedError without a remote code leaves remoteCode undefined', () => {
    const error = new OperationFailedError('Counter/a.add', 'TypeError', 'x is undefined');
    expect(error.remoteCode).toBeUndefined();
    expect(error.message).toBe('Counter/a.add failed with TypeError: x is undefined');
  });

  test('UnknownOperationError names the entity, the operation and the known operations', () => {
    const error = new UnknownOperationError('Counter', 'nope', ['add', 'get']);
    expect(error.entityName).toBe('Counter');
    expect(error.operationName).toBe('nope');
    expect(error.message).toBe("Entity 'Counter' has no operation 'nope'. Known operations: 'add', 'get'. Mark the method with @Operation() or fix the name.");
    expect(new UnknownOperationError('Empty', 'x', []).message).toContain('Known operations: (none).');
  });

  test('SerializationError carries the path', () => {
    expect(new SerializationError('bad', 'state.items[3].price').path).toBe('state.items[3].price');
  });

  test('StorageError keeps its cause', () => {
    const cause = new Error('EIO');
    expect(new StorageError('writing the snapshot failed', { cause }).cause).toBe(cause);
  });

  test('AppStoppedError has a default message saying what to do', () => {
    expect(new AppStoppedError().message).toBe('The DurableApp is stopped. Create and start a new one to send more work.');
    expect(new AppStoppedError('stopping').message).toBe('stopping');
  });

  test('OutsideOperationError names what was misused and where to call it', () => {
    expect(new OutsideOperationError('entityContext()').message).toBe(
      'entityContext() can only be used while an entity operation runs (inside an @Operation() method). ' +
        'Call it from the operation itself, not from a constructor, a timer or code that runs after the operation returned.',
    );
  });

  test('NonDeterminismError names the step, what history has and what the code does', () => {
    const error = new NonDeterminismError('order-1', 'Order', 3, "TaskScheduled 'A'", "TaskScheduled 'B'");
    expect([error.instanceId, error.orchestrator, error.step, error.seq, error.expected, error.found]).toEqual([
      'order-1',
      'Order',
      3,
      3,
      "TaskScheduled 'A'",
      "TaskScheduled 'B'",
    ]);
    expect(error.message).toMatch(
      /^Orchestration 'Order' \(instance 'order-1'\) is not deterministic at step 3: the history has TaskScheduled 'A' there, but the code now does TaskScheduled 'B'\./,
    );
  });

  test('ActivityFailedError and SubOrchestrationFailedError carry the remote error', () => {
    const activity = new ActivityFailedError('Payments.charge', 'CardDeclined', 'no funds', 'E_CARD', 3);
    expect([activity.activityName, activity.remoteName, activity.remoteMessage, activity.remoteCode, activity.attempts]).toEqual([
      'Payments.charge',
      'CardDeclined',
      'no funds',
      'E_CARD',
      3,
    ]);
    expect(activity.message).toBe("Activity 'Payments.charge' failed with CardDeclined: no funds (after 3 attempts)");
    expect(new ActivityFailedError('A.b', 'Error', 'x').message).toBe("Activity 'A.b' failed with Error: x");
    const sub = new SubOrchestrationFailedError('Child', 'p:0', 'ActivityFailedError', 'boom', 'JETSTATE_ACTIVITY_FAILED');
    expect([sub.orchestratorName, sub.subInstanceId, sub.remoteCode]).toEqual(['Child', 'p:0', 'JETSTATE_ACTIVITY_FAILED']);
    expect(sub.message).toBe("Sub-orchestration 'Child' (instance 'p:0') failed with ActivityFailedError: boom");
  });

  test('the public entry point exports the same error classes', () => {
    expect(index.DefinitionError).toBe(DefinitionError);
    expect(index.InvalidEntityIdError).toBe(InvalidEntityIdError);
    expect(index.InvalidOptionsError).toBe(InvalidOptionsError);
    expect(index.SerializationError).toBe(SerializationError);
    expect(index.TimeoutError).toBe(TimeoutError);
    expect(index.ErrorCode).toBe(ErrorCode);
    expect(index.NonDeterminismError).toBe(NonDeterminismError);
    expect(index.ActivityFailedError).toBe(ActivityFailedError);
  });
});

describe('instanceof compares brands, not class names', () => {
  const classes = (Object.values(source) as unknown[]).filter(
    (value): value is Function => typeof value === 'function' && value.prototype instanceof Error && value !== source.JetstateError,
  );

  test('each error class answers to exactly one code, and no two classes share one', () => {
    const codes = Object.values(ErrorCode).filter((code) => !REMOTE_ONLY_CODES.includes(code));
    const owners = new Map<string, string>();
    for (const cls of classes) {
      const matching = codes.filter((code) => ({ [Symbol.for('jetstate.error')]: code }) instanceof cls);
      expect(matching, `${cls.name} must be branded with exactly one ErrorCode`).toHaveLength(1);
      expect(owners.has(matching[0]!), `${matching[0]} is the code of ${owners.get(matching[0]!)} and ${cls.name}`).toBe(false);
      owners.set(matching[0]!, cls.name);
    }
    expect(owners.size).toBe(codes.length);
  });

  test('an error whose class was renamed (as a minifier does) still matches its class and no other', () => {
    class Renamed extends source.JetstateError {
      constructor() {
        super(ErrorCode.Timeout, 'renamed');
      }
    }
    Object.defineProperty(Renamed, 'name', { value: 'a' });
    const error = new Renamed();
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(JetstateError);
    expect(error).not.toBeInstanceOf(StorageError);
    // A plain Error named like a jetstate error is not one.
    expect(Object.assign(new Error('x'), { name: 'TimeoutError' })).not.toBeInstanceOf(TimeoutError);
  });
});
