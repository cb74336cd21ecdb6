import type { EntityId } from '../registry/entity-id';
import type { OperationMessage } from '../runtime/messages';
import { tryMerge } from '../runtime/signal-folding';

type Merge = (a: unknown, b: unknown) => unknown;

interface OpenBurst {
  readonly name: string;
  readonly key: string;
  readonly operation: string;
  readonly merge: Merge;
  /** The burst's first message: its id and target stay, its input becomes the merged one. */
  readonly first: OperationMessage;
  input: unknown;
  count: number;
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Folds a client's burst of signals of one mergeable operation to one entity, made in one
 * tick (`add(1)` a hundred thousand times in a loop), into one message before it reaches
 * the engine. Every signal of the burst gets the same promise: it resolves once the folded
 * message is durable, as each signal's own would have. A signal to another entity or
 * operation, a call, or a batch sends the open burst first, so each sender's order holds.
 *
 * The engines fold what reaches them in one write too (see `foldClientSignals`); doing it
 * here as well saves building, queueing and folding a message for every signal.
 */
export class SignalBurst {
  private open: OpenBurst | undefined;

  constructor(private readonly send: (messages: readonly OperationMessage[]) => Promise<void>) {}

  /** Whether a burst is open, so a sender can skip building the arguments of {@link join}. */
  get isOpen(): boolean {
    return this.open !== undefined;
  }

  /**
   * Adds a signal to the open burst when it goes to the same entity and operation and its
   * input merges; returns the burst's promise, or undefined when the signal must start a
   * burst or be sent on its own. `plainInput` gives the signal's input as plain JSON; it is
   * asked for only when the signal matches the open burst.
   */
  join(id: EntityId, operation: string, plainInput: () => unknown): Promise<void> | undefined {
    const open = this.open;
    if (open === undefined || open.key !== id.key || open.operation !== operation || open.name !== id.name) return undefined;
    const merged = tryMerge(open.merge, open.input, plainInput());
    if (merged === undefined) return undefined;
    open.input = merged.value;
    open.count++;
    return open.done;
  }

  /** Opens a burst with `message` (sending any open one first); resolves once the burst is durable. */
  start(message: OperationMessage, merge: Merge): Promise<void> {
    this.flush();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    const burst: OpenBurst = {
      name: message.target.name,
      key: message.target.key,
      operation: message.operation,
      merge,
      first: message,
      input: message.input,
      count: 1,
      done,
      resolve,
      reject,
    };
    this.open = burst;
    // Signals made in the same tick join; the burst goes out right after.
    queueMicrotask(() => {
      if (this.open === burst) this.flush();
    });
    return done;
  }

  /** Sends the open burst now, if there is one. */
  flush(): void {
    const burst = this.open;
    if (burst === undefined) return;
    this.open = undefined;
    const message: OperationMessage = burst.count === 1 ? burst.first : { ...burst.first, input: burst.input, merged: { count: burst.count } };
    let sent: Promise<void>;
    try {
      sent = this.send([message]);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(burst.resolve, burst.reject);
  }
}
