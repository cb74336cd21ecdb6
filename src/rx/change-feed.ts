import { Observable, Subject, type Subscription } from 'rxjs';
import { entityIdToString, type EntityId } from '../registry/entity-id';
import type { EntitySnapshot } from '../runtime/messages';

/**
 * Fans the engine's stream of committed changes out by entity and by entity name, so a
 * commit costs one map lookup whatever the number of subscribers.
 */
export class ChangeFeed {
  private readonly byEntity = new Map<string, Subject<EntitySnapshot>>();
  private readonly byName = new Map<string, Subject<EntitySnapshot>>();
  private readonly subscription: Subscription;
  private ended: { error?: unknown } | undefined;

  constructor(changes$: Observable<EntitySnapshot>) {
    this.subscription = changes$.subscribe({
      next: (snapshot) => this.dispatch(snapshot),
      error: (error: unknown) => this.end({ error }),
      complete: () => this.end({}),
    });
  }

  /** Later commits of one entity (hot: what was committed before subscribing is not replayed). */
  entity$(id: EntityId): Observable<EntitySnapshot> {
    return this.topic(this.byEntity, entityIdToString(id));
  }

  /** Later commits of every entity with this name. */
  name$(name: string): Observable<EntitySnapshot> {
    return this.topic(this.byName, name);
  }

  /**
   * The current committed snapshot (read from storage) followed by every later commit, in
   * version order and without repeats. Subscribes to the feed before reading, so no commit
   * between the read and the subscription is missed.
   */
  current$(id: EntityId, read: () => Promise<EntitySnapshot | undefined>): Observable<EntitySnapshot> {
    return new Observable<EntitySnapshot>((subscriber) => {
      let lastVersion = 0;
      const buffered: EntitySnapshot[] = [];
      let loaded = false;
      const emit = (snapshot: EntitySnapshot): void => {
        if (snapshot.version <= lastVersion) return;
        lastVersion = snapshot.version;
        subscriber.next(snapshot);
      };
      const live = this.entity$(id).subscribe({
        next: (snapshot) => (loaded ? emit(snapshot) : buffered.push(snapshot)),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      read().then(
        (current) => {
          if (current) emit(current);
          loaded = true;
          buffered.forEach(emit);
          buffered.length = 0;
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => live.unsubscribe();
    });
  }

  /** Stops listening to the engine. */
  close(): void {
    this.subscription.unsubscribe();
    this.end({});
  }

  private topic(topics: Map<string, Subject<EntitySnapshot>>, key: string): Observable<EntitySnapshot> {
    return new Observable<EntitySnapshot>((subscriber) => {
      if (this.ended) {
        if (this.ended.error !== undefined) subscriber.error(this.ended.error);
        else subscriber.complete();
        return undefined;
      }
      let subject = topics.get(key);
      if (!subject) {
        subject = new Subject<EntitySnapshot>();
        topics.set(key, subject);
      }
      const inner = subject.subscribe(subscriber);
      return () => {
        inner.unsubscribe();
        if (!subject.observed) topics.delete(key);
      };
    });
  }

  private dispatch(snapshot: EntitySnapshot): void {
    if (this.byEntity.size > 0) this.byEntity.get(entityIdToString(snapshot.id))?.next(snapshot);
    if (this.byName.size > 0) this.byName.get(snapshot.id.name)?.next(snapshot);
  }

  private end(how: { error?: unknown }): void {
    if (this.ended) return;
    this.ended = how;
    for (const topics of [this.byEntity, this.byName]) {
      for (const subject of topics.values()) {
        if (how.error !== undefined) subject.error(how.error);
        else subject.complete();
      }
      topics.clear();
    }
  }
}
