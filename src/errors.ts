/**
 * The error hierarchy of jetstate. Every error has a stable `code`; `instanceof` works
 * across copies of the library (ESM and CommonJS builds loaded side by side) and under
 * minifiers because it compares a brand (the error's code, under a `Symbol.for` key), not
 * the constructor's identity or name.
 */

/** Stable error codes, one per error class. */
export const ErrorCode = {
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
  /** A worker could not run a message (an entity or operation it does not host, or a malformed message) and dead-lettered it. */
  MessageRejected: 'JETSTATE_MESSAGE_REJECTED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const BRAND = Symbol.for('jetstate.error');

/** Base class of every error jetstate throws. */
export class JetstateError extends Error {
  /** A stable, machine-readable code (see {@link ErrorCode}). */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: code });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const brand = (value as Record<symbol, unknown>)[BRAND];
    if (typeof brand !== 'string') return false;
    if (this === JetstateError) return true;
    const code = CODE_OF_CLASS.get(this);
    // A user's subclass of a jetstate error is matched the ordinary way, by its prototype chain.
    return code === undefined ? Function.prototype[Symbol.hasInstance].call(this, value) : code === brand;
  }
}

/** A class, decorator or registration is wrong. Thrown at registration, before anything runs. */
export class DefinitionError extends JetstateError {
  constructor(message: string) {
    super(ErrorCode.Definition, message);
  }
}

/** An entity id (name and key) is not valid. */
export class InvalidEntityIdError extends JetstateError {
  constructor(message: string) {
    super(ErrorCode.InvalidEntityId, message);
  }
}

/** The entity has no operation of that name. */
export class UnknownOperationError extends JetstateError {
  constructor(
    readonly entityName: string,
    readonly operationName: string,
    known: readonly string[],
  ) {
    super(
      ErrorCode.UnknownOperation,
      `Entity '${entityName}' has no operation '${operationName}'. ` +
        `Known operations: ${known.map((k) => `'${k}'`).join(', ') || '(none)'}. ` +
        `Mark the method with @Operation() or fix the name.`,
    );
  }
}

/** A value (state, input or result) cannot be stored as JSON. */
export class SerializationError extends JetstateError {
  constructor(
    message: string,
    /** Where in the value the problem is, e.g. `state.items[3].price`. */
    readonly path: string,
  ) {
    super(ErrorCode.Serialization, message);
  }
}

/** The remote operation threw; carries the remote error's name and message. */
export class OperationFailedError extends JetstateError {
  constructor(
    /** The operation that failed, as `Entity/key.operation`. */
    readonly operation: string,
    /** `name` of the error the operation threw. */
    readonly remoteName: string,
    /** `message` of the error the operation threw. */
    readonly remoteMessage: string,
    /** `code` of the remote error, when it had one. */
    readonly remoteCode?: string,
  ) {
    super(ErrorCode.OperationFailed, `${operation} failed with ${remoteName}: ${remoteMessage}`);
  }
}

/** Options given to `DurableApp.create` (or a call) are not valid. */
export class InvalidOptionsError extends JetstateError {
  constructor(message: string) {
    super(ErrorCode.InvalidOptions, message);
  }
}

/** The app is stopped (or stopping) and cannot take this request. */
export class AppStoppedError extends JetstateError {
  constructor(message = 'The DurableApp is stopped. Create and start a new one to send more work.') {
    super(ErrorCode.AppStopped, message);
  }
}

/** The storage layer failed; the message says what was being done. */
export class StorageError extends JetstateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Storage, message, options);
  }
}

/** A wait ran past its deadline. */
export class TimeoutError extends JetstateError {
  constructor(message: string) {
    super(ErrorCode.Timeout, message);
  }
}

/** A function that only works inside an entity operation was called outside one. */
export class OutsideOperationError extends JetstateError {
  constructor(
    what: string,
    message = `${what} can only be used while an entity operation runs (inside an @Operation() method). ` +
      `Call it from the operation itself, not from a constructor, a timer or code that runs after the operation returned.`,
  ) {
    super(ErrorCode.OutsideOperation, message);
  }
}

/** A message is larger than the transport accepts; it was not sent. */
export class PayloadTooLargeError extends JetstateError {
  constructor(
    readonly bytes: number,
    readonly limit: number,
    what: string,
  ) {
    super(
      ErrorCode.PayloadTooLarge,
      `${what} is ${bytes} bytes, over the NATS server's max_payload of ${limit} bytes; it was not sent. ` +
        `Send less data per operation (store large data elsewhere and pass a reference), or raise max_payload in the server's configuration.`,
    );
  }
}

/** The connection to the message broker failed; the message says what was being done. */
export class TransportError extends JetstateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Transport, message, options);
  }
}

/**
 * Replaying an orchestration no longer matches its history: the orchestrator's code
 * changed, or it depends on something other than its context (the clock, random numbers,
 * I/O). The instance fails with this error; it is never retried.
 */
export class NonDeterminismError extends JetstateError {
  /**
   * The former name of {@link NonDeterminismError.step}, with the same value.
   * @deprecated Use `step`.
   */
  readonly seq: number;

  constructor(
    /** The instance whose replay diverged. */
    readonly instanceId: string,
    /** The orchestrator's name. */
    readonly orchestrator: string,
    /** The step (the number of the durable call, in call order) where code and history differ. */
    readonly step: number,
    /** What the history recorded at that step, e.g. `TaskScheduled 'Greeter.sayHello'`. */
    readonly expected: string,
    /** What the code does there now. */
    readonly found: string,
  ) {
    super(
      ErrorCode.NonDeterminism,
      `Orchestration '${orchestrator}' (instance '${instanceId}') is not deterministic at step ${step}: ` +
        `the history has ${expected} there, but the code now does ${found}. ` +
        `Orchestrator code must make the same durable calls in the same order on every replay: use ctx.currentUtcDateTime, ` +
        `ctx.newGuid() and activities instead of the clock, random numbers or I/O, and deploy changed orchestrators under a new name ` +
        `(or let running instances finish first).`,
    );
    this.seq = step;
  }
}

/** An activity threw; the orchestrator that called it receives this error and may catch it. */
export class ActivityFailedError extends JetstateError {
  constructor(
    /** The activity that failed. */
    readonly activityName: string,
    /** `name` of the error the activity threw. */
    readonly remoteName: string,
    /** `message` of the error the activity threw. */
    readonly remoteMessage: string,
    /** `code` of the remote error, when it had one. */
    readonly remoteCode?: string,
    /** How many attempts were made (more than one with a retry policy). */
    readonly attempts = 1,
  ) {
    super(
      ErrorCode.ActivityFailed,
      `Activity '${activityName}' failed with ${remoteName}: ${remoteMessage}` + (attempts > 1 ? ` (after ${attempts} attempts)` : ''),
    );
  }
}

/** A sub-orchestration failed (or was terminated); the parent receives this error and may catch it. */
export class SubOrchestrationFailedError extends JetstateError {
  constructor(
    /** The sub-orchestrator's name. */
    readonly orchestratorName: string,
    /** The instance id of the sub-orchestration. */
    readonly subInstanceId: string,
    /** `name` of the error the sub-orchestration failed with. */
    readonly remoteName: string,
    /** `message` of the error the sub-orchestration failed with. */
    readonly remoteMessage: string,
    /** `code` of the remote error, when it had one. */
    readonly remoteCode?: string,
  ) {
    super(
      ErrorCode.SubOrchestrationFailed,
      `Sub-orchestration '${orchestratorName}' (instance '${subInstanceId}') failed with ${remoteName}: ${remoteMessage}`,
    );
  }
}

/** No activity of that name is registered where the task was run. */
export class UnknownActivityError extends JetstateError {
  constructor(
    readonly activityName: string,
    known: readonly string[],
  ) {
    super(
      ErrorCode.UnknownActivity,
      `No activity named '${activityName}' is registered. Known activities: ${known.map((k) => `'${k}'`).join(', ') || '(none)'}. ` +
        `Mark the method with @Activity(), list its class in DurableApp.create({ activities: [...] }), or fix the name.`,
    );
  }
}

/** No orchestrator of that name is registered. */
export class UnknownOrchestratorError extends JetstateError {
  constructor(
    readonly orchestratorName: string,
    known: readonly string[],
  ) {
    super(
      ErrorCode.UnknownOrchestrator,
      `No orchestrator named '${orchestratorName}' is registered. Known orchestrators: ${known.map((k) => `'${k}'`).join(', ') || '(none)'}. ` +
        `Decorate the class with @Orchestrator(), list it in DurableApp.create({ orchestrators: [...] }), or fix the name.`,
    );
  }
}

/** An orchestration broke a rule of critical sections (`ctx.lock`). */
export class CriticalSectionError extends JetstateError {
  constructor(message: string) {
    super(ErrorCode.CriticalSection, message);
  }
}

/** No orchestration instance has that id (it was never started, or it was purged). */
export class OrchestrationNotFoundError extends JetstateError {
  constructor(
    readonly instanceId: string,
    message = `No orchestration instance '${instanceId}' exists. Check the id; purged instances are gone.`,
  ) {
    super(ErrorCode.OrchestrationNotFound, message);
  }
}

/** `startNew` with the id of an instance that is still pending, running or suspended. */
export class OrchestrationAlreadyExistsError extends JetstateError {
  constructor(
    readonly instanceId: string,
    message = `Orchestration instance '${instanceId}' is already running. Use another instance id, or terminate or wait for the running one first.`,
  ) {
    super(ErrorCode.OrchestrationAlreadyExists, message);
  }
}

/** The instance has ended (completed, failed or terminated) and takes no more events. */
export class OrchestrationNotRunningError extends JetstateError {
  constructor(
    readonly instanceId: string,
    message = `Orchestration instance '${instanceId}' has ended and takes no more events.`,
  ) {
    super(ErrorCode.OrchestrationNotRunning, message);
  }
}

/**
 * The operation needs an instance that has ended (purge, restart, rewind of a running
 * instance are refused): it is still pending, running or suspended.
 */
export class OrchestrationStillRunningError extends JetstateError {
  constructor(
    readonly instanceId: string,
    /** The instance's current runtime status. */
    readonly runtimeStatus: string,
    message = `Orchestration instance '${instanceId}' is ${runtimeStatus}: only ended instances can be purged. Terminate it first (terminate(id, reason)), wait for it to end, then purge.`,
  ) {
    super(ErrorCode.OrchestrationStillRunning, message);
  }
}

/** Only a Failed instance can be rewound; this one completed or was terminated. */
export class OrchestrationNotFailedError extends JetstateError {
  constructor(
    readonly instanceId: string,
    /** The instance's current runtime status. */
    readonly runtimeStatus: string,
    message = `Orchestration instance '${instanceId}' is ${runtimeStatus}: only Failed instances can be rewound. Use restart(id) to run it again from the start.`,
  ) {
    super(ErrorCode.OrchestrationNotFailed, message);
  }
}

/** The instance whose result was awaited failed or was terminated; carries its status and failure details. */
export class OrchestrationFailedError extends JetstateError {
  constructor(
    readonly instanceId: string,
    /** `Failed` or `Terminated`. */
    readonly runtimeStatus: string,
    /** Why it failed: the error's name, message and code (absent when terminated). */
    readonly failureDetails?: { readonly name: string; readonly message: string; readonly code?: string },
    /** The termination reason, when terminated. */
    readonly reason?: unknown,
  ) {
    super(
      ErrorCode.OrchestrationFailed,
      runtimeStatus === 'Failed'
        ? `Orchestration instance '${instanceId}' failed with ${failureDetails?.name ?? 'Error'}: ${failureDetails?.message ?? '(no details)'}`
        : `Orchestration instance '${instanceId}' ended as ${runtimeStatus}${reason === undefined ? '' : `: ${String(reason)}`}.`,
    );
  }
}

/** A signal reached a window after the window stopped accepting data (its end plus the allowed lateness). */
export class LateDataError extends JetstateError {
  constructor(message: string) {
    super(ErrorCode.LateData, message);
  }
}

/** An operation declared `@Operation({ readOnly: true })` changed its entity; its effects were rolled back. */
export class ReadOnlyOperationError extends JetstateError {
  constructor(
    readonly entity: string,
    readonly operation: string,
    /** What it did: changed the state, deleted the entity, or sent messages. */
    readonly violation: string,
  ) {
    super(
      ErrorCode.ReadOnlyViolation,
      `Operation ${entity}.${operation} is declared readOnly but ${violation}; its effects were rolled back. ` +
        `Move the change into an operation without readOnly, or remove readOnly from this one.`,
    );
  }
}

/** A durable HTTP call (`ctx.callHttp`) got no response: the server was unreachable, the connection broke, or the request timed out. */
export class HttpCallFailedError extends JetstateError {
  constructor(
    readonly method: string,
    readonly url: string,
    /** Why the request got no response. */
    readonly reason: string,
  ) {
    super(
      ErrorCode.HttpCallFailed,
      `${method} ${url} got no response: ${reason}. Check that the URL is right and the server is reachable; pass a retry policy to callHttp to try again on durable timers.`,
    );
  }
}
/**
 * Thrown by an activity (or an entity operation an orchestration calls with retries) to
 * fail at once: a retry policy never retries it, whatever its `handle` says. For failures
 * that another attempt cannot fix, such as invalid input or a refused payment (Temporal
 * calls these non-retryable failures, Restate terminal errors).
 *
 * @example
 * ```ts
 * @Activity() async charge(order: Order) {
 *   if (order.total <= 0) throw new NonRetryableError(`order ${order.id} has nothing to charge`);
 *   ...
 * }
 * ```
 */
export class NonRetryableError extends JetstateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.NonRetryable, message, options);
  }
}

/** Each error class's code, which is also its brand (one code per class). */
const CODE_OF_CLASS: ReadonlyMap<Function, ErrorCode> = new Map<Function, ErrorCode>([
  [DefinitionError, ErrorCode.Definition],
  [InvalidEntityIdError, ErrorCode.InvalidEntityId],
  [UnknownOperationError, ErrorCode.UnknownOperation],
  [SerializationError, ErrorCode.Serialization],
  [OperationFailedError, ErrorCode.OperationFailed],
  [InvalidOptionsError, ErrorCode.InvalidOptions],
  [AppStoppedError, ErrorCode.AppStopped],
  [StorageError, ErrorCode.Storage],
  [TimeoutError, ErrorCode.Timeout],
  [OutsideOperationError, ErrorCode.OutsideOperation],
  [PayloadTooLargeError, ErrorCode.PayloadTooLarge],
  [TransportError, ErrorCode.Transport],
  [NonDeterminismError, ErrorCode.NonDeterminism],
  [ActivityFailedError, ErrorCode.ActivityFailed],
  [SubOrchestrationFailedError, ErrorCode.SubOrchestrationFailed],
  [UnknownActivityError, ErrorCode.UnknownActivity],
  [UnknownOrchestratorError, ErrorCode.UnknownOrchestrator],
  [CriticalSectionError, ErrorCode.CriticalSection],
  [OrchestrationNotFoundError, ErrorCode.OrchestrationNotFound],
  [OrchestrationAlreadyExistsError, ErrorCode.OrchestrationAlreadyExists],
  [OrchestrationNotRunningError, ErrorCode.OrchestrationNotRunning],
  [OrchestrationStillRunningError, ErrorCode.OrchestrationStillRunning],
  [OrchestrationNotFailedError, ErrorCode.OrchestrationNotFailed],
  [OrchestrationFailedError, ErrorCode.OrchestrationFailed],
  [LateDataError, ErrorCode.LateData],
  [NonRetryableError, ErrorCode.NonRetryable],
  [ReadOnlyOperationError, ErrorCode.ReadOnlyViolation],
  [HttpCallFailedError, ErrorCode.HttpCallFailed],
]);
