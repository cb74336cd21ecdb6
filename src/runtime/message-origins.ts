import type { EntitySnapshot, MessageOrigin } from './messages';

/**
 * How many senders an entity remembers. A re-sent message arrives soon after the first
 * copy (when its sender retries a failed commit), so the most recent senders suffice.
 */
export const ORIGINS_KEPT = 1000;

/**
 * The newest message an entity applied from each entity that signalled it, as
 * `[seq, index]` per sender. Senders publish to one target in that order, so anything at
 * or below the recorded position is a copy already applied: JetStream's duplicate window
 * forgets message ids when the server restarts or the window passes, this does not.
 */
export class MessageOrigins {
  private latest: Map<string, readonly [number, number]> | undefined;
  private changed = false;

  constructor(private readonly committed: EntitySnapshot['origins']) {}

  /** True when a message from the same sender at or after this position was applied already. */
  seen(origin: MessageOrigin): boolean {
    const last = this.latest ? this.latest.get(origin.entity) : this.committed?.[origin.entity];
    return last !== undefined && (origin.seq < last[0] || (origin.seq === last[0] && origin.index <= last[1]));
  }

  /** Records an applied message; the least recently heard sender is forgotten past {@link ORIGINS_KEPT}. */
  record(origin: MessageOrigin): void {
    this.latest ??= new Map(Object.entries(this.committed ?? {}));
    this.latest.delete(origin.entity);
    this.latest.set(origin.entity, [origin.seq, origin.index]);
    if (this.latest.size > ORIGINS_KEPT) this.latest.delete(this.latest.keys().next().value!);
    this.changed = true;
  }

  /** What the next snapshot stores. */
  toSnapshot(): EntitySnapshot['origins'] {
    if (!this.changed) return this.committed;
    return Object.fromEntries(this.latest!);
  }
}
