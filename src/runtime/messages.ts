import type { EntityId } from '../registry/entity-id';

/** How the sender waits: `signal` is one-way, `call` expects a reply. */
export type OperationKind = 'signal' | 'call';

/** One operation addressed to one entity, as it travels through an engine. */
export interface OperationMessage {
  /** Deterministic id (sender id plus a sender-local counter), used to drop duplicates. */
  readonly id: string;
  readonly target: EntityId;
  readonly operation: string;
  readonly kind: OperationKind;
  /** The input, already converted to a plain JSON value. */
  readonly input?: unknown;
  /** Epoch milliseconds before which the operation must not run. */
  readonly scheduledTime?: number;
  /** Log position assigned when the engine durably appends the message; calls have none. */
  seq?: number;
  /** Where the reply to a call goes, for engines that carry calls across processes. */
  replyTo?: string;
  /** Set on signals an entity sends (unless scheduled): who sent it, and its number among the sender's signals. */
  readonly origin?: MessageOrigin;
  /** The critical section the sender holds: a locked entity runs messages of its lock's owner only. */
  readonly lockOwner?: string;
  /** Deliver the outcome of this operation as a message (how orchestrations receive entity call results). */
  readonly replyVia?: ReplyRoute;
  /** Present when this message stands for several signals of a mergeable operation folded into one. */
  readonly merged?: MergedSignals;
  /**
   * The W3C `traceparent` of the span that sent this message, when tracing is on: how one
   * trace follows a message across entities, orchestrations, activities and processes.
   * Not part of the message's identity (a re-sent copy may carry another).
   */
  trace?: string;
}

/**
 * What a folded message replaces: consecutive signals of one mergeable operation from one
 * sender to one entity, whose inputs were combined with the operation's `merge`.
 */
export interface MergedSignals {
  /** How many signals the message stands for. */
  readonly count: number;
  /**
   * On signals an entity sent: the number of the first signal replaced (`origin.n` is the
   * last), and each replaced signal's number and input. A receiver that has applied some of
   * them already (an earlier, differently folded copy published before a crash) applies
   * only the rest, so the fold keeps exactly-once.
   */
  readonly from?: number;
  readonly parts?: readonly (readonly [n: number, input: unknown])[];
}

/**
 * Where the outcome of an operation goes as a message: to `target`'s `operation`, with
 * the input `{ context, reply }` (`reply` being the {@link OperationReply}).
 */
export interface ReplyRoute {
  readonly target: EntityId;
  readonly operation: string;
  readonly context?: unknown;
}

/**
 * Where an entity-sent signal comes from: the sending entity and the signal's number
 * among everything that entity has sent (counted in its committed state, so a re-run
 * numbers the same signals the same way). Per sender the numbers only grow, which lets
 * a receiver drop a re-sent copy.
 */
export interface MessageOrigin {
  /** The sender, as `name/key`. */
  readonly entity: string;
  readonly n: number;
}

/** The error a remote operation threw, reduced to what crosses a process boundary. */
export interface RemoteError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** The answer to a `call`. */
export type OperationReply =
  { readonly id: string; readonly ok: true; readonly value: unknown } | { readonly id: string; readonly ok: false; readonly error: RemoteError };

/** The committed state of one entity: what snapshots store and state streams emit. */
export interface EntitySnapshot {
  readonly id: EntityId;
  readonly exists: boolean;
  /** The state as JSON text; absent when the entity does not exist (deleted). */
  readonly stateJson?: string;
  /** Log position of the last message applied to this entity. */
  readonly lastAppliedSeq: number;
  /** Increments with every committed change of this entity's state or existence. */
  readonly version: number;
  /** Epoch milliseconds of the last applied operation. */
  readonly lastModified: number;
  /** The critical section holding this entity, and the messages waiting for it. */
  readonly lock?: EntityLock;
  /** How many numbered signals this entity has sent (see {@link MessageOrigin}). */
  readonly sent?: number;
  /** The number of the newest signal applied from each entity that signalled this one (see `MessageOrigins`). */
  readonly origins?: Readonly<Record<string, number>>;
}

/** A held lock: its owner, and the messages from others waiting for it to be released. */
export interface EntityLock {
  readonly owner: string;
  readonly queue: readonly OperationMessage[];
}
