import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';

/**
 * The deliveries of one partition consumer, handed on one at a time until {@link stop}.
 *
 * Stopping a nats.js `ConsumerMessages` (2.x and 3.x alike) does not stop its iterator at once: the
 * iterator takes everything buffered so far in one chunk and yields the rest of that chunk
 * after `stop()`. When a partition replaces its consumer (a reconnection, a state
 * regression), those leftovers of the old consumer would be queued behind the queue's
 * reset and run before the new consumer replays the older inputs; an entity's
 * `lastAppliedSeq` would jump past inputs that are then skipped as duplicates. So the check
 * is made here, synchronously before each message is handed on, and `stop()` takes effect
 * for the very next message.
 */
export class WorkFeed {
  private stopped = false;

  constructor(private readonly messages: ConsumerMessages) {}

  /** True once {@link stop} was called: nothing more is handed on. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Stops the consumer; no message is handed on after this call returns. */
  stop(): void {
    this.stopped = true;
    this.messages.stop();
  }

  /**
   * Calls `onStall` once when the server's idle heartbeats stop arriving, unless the feed
   * was stopped first. The server sends them while a pull request waits; without them the
   * pull requests were lost (a consumer leader change can drop them), and nats.js would
   * only ask again after backing off for tens of seconds while the partition stands still.
   */
  watchHeartbeats(onStall: (missed: number) => void): void {
    void (async () => {
      for await (const note of this.messages.status()) {
        if (this.stopped) return;
        if (note.type === 'heartbeats_missed') {
          onStall(note.count);
          return;
        }
      }
    })();
  }

  /**
   * Hands each delivery to `handle`, in order, one at a time (an async `handle` is awaited),
   * until the feed is stopped or the consumer ends.
   */
  async run(handle: (msg: JsMsg) => void | Promise<void>): Promise<void> {
    for await (const msg of this.messages) {
      if (this.stopped) return;
      await handle(msg);
    }
  }
}
