import { entityIdToString } from '../../registry/entity-id';
import type { OperationMessage } from '../../runtime/messages';
import { foldClientSignals, isFoldableSignal, type MergeLookup } from '../../runtime/signal-folding';

interface Waiting {
  readonly message: OperationMessage;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** One entity with a publish in flight, and what waits behind it. */
interface TargetQueue {
  waiting: Waiting[];
}

/**
 * The NATS client's publish buffer. A signal of a mergeable operation is published at once,
 * and while its publish is in flight everything else this process sends to the same entity
 * (signals and calls) waits; when it is acknowledged, what waited is folded (runs of one
 * client's mergeable signals become one message, see `foldClientSignals`) and published in
 * order, and so on. A hot key thus costs one publish per round trip, however many signals
 * it gets. Entities that get no mergeable signal publish as before. Each signal's promise
 * resolves when the message it went into is stored.
 */
export class PublishFolding {
  private readonly targets = new Map<string, TargetQueue>();

  constructor(
    private readonly publish: (message: OperationMessage) => Promise<void>,
    private readonly mergeOf: MergeLookup,
  ) {}

  /** Publishes `message`, or queues it behind the publish in flight to its entity. */
  send(message: OperationMessage): Promise<void> {
    const key = entityIdToString(message.target);
    const queue = this.targets.get(key);
    if (queue) return new Promise((resolve, reject) => queue.waiting.push({ message, resolve, reject }));
    const published = this.publish(message);
    if (!isFoldableSignal(message) || !this.mergeOf(message.target.name, message.operation)) return published;
    const started: TargetQueue = { waiting: [] };
    this.targets.set(key, started);
    void published.then(
      () => this.drain(key, started),
      () => this.drain(key, started),
    );
    return published;
  }

  /** Publishes what waited for an entity, folded, then does the same for what waited meanwhile. */
  private drain(key: string, queue: TargetQueue): void {
    const waiting = queue.waiting;
    if (waiting.length === 0) {
      this.targets.delete(key);
      return;
    }
    queue.waiting = [];
    const placeOf: number[] = [];
    const messages = foldClientSignals(
      waiting.map((w) => w.message),
      this.mergeOf,
      placeOf,
    );
    // Issued in order on one connection, so the server stores them in this order.
    const published = messages.map((message) => this.publish(message));
    waiting.forEach((w, i) => void published[placeOf[i]!]!.then(w.resolve, w.reject));
    void Promise.allSettled(published).then(() => this.drain(key, queue));
  }
}
