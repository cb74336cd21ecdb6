import type { EntitySnapshot, MessageOrigin } from './messages';

/**
 * How many senders an entity remembers. A re-sent message arrives soon after the first
 * copy (when its sender retries a failed commit), so the most recent senders suffice.
 */
export const ORIGINS_KEPT = 1000;

/**
 * The number of the newest signal an entity applied from each entity that signalled it.
 * A sender numbers its signals in order and publishes them to one target in that order,
 * so anything at or below the recorded number is a copy already applied: JetStream's
 * duplicate window forgets message ids when the server restarts or the window passes,
 * this does not.
 */
export class MessageOrigins {
  private latest: Map<string, number> | undefined;
  private changed = false;

  constructor(private readonly committed: EntitySnapshot['origins']) {}

  /** True when a signal from the same sender with this number or a later one was applied already. */
  seen(origin: MessageOrigin): boolean {
    const last = this.latest ? this.latest.get(origin.entity) : this.committed?.[origin.entity];
    return last !== undefined && origin.n <= last;
  }

  /** The number of the newest signal applied from `entity`, if any. */
  last(entity: string): number | undefined {
    return this.latest ? this.latest.get(entity) : this.committed?.[entity];
  }

  /** Records an applied signal; the least recently heard sender is forgotten past {@link ORIGINS_KEPT}. */
  record(origin: MessageOrigin): void {
    this.latest ??= new Map(Object.entries(this.committed ?? {}));
    this.latest.delete(origin.entity);
    this.latest.set(origin.entity, origin.n);
    if (this.latest.size > ORIGINS_KEPT) this.latest.delete(this.latest.keys().next().value!);
    this.changed = true;
  }

  /** What the next snapshot stores. */
  toSnapshot(): EntitySnapshot['origins'] {
    if (!this.changed) return this.committed;
    return Object.fromEntries(this.latest!);
  }
}
