import { Observable, Subject } from 'rxjs';
import { entityIdToString } from '../registry/entity-id';
import type { EntitySnapshot } from '../runtime/messages';
import type { WatchFilter } from './engine';

/**
 * In-process fan-out of committed changes by entity and by entity name, so a commit costs
 * one map lookup whatever the number of watchers.
 */
export class ChangeTopics {
  private readonly byEntity = new Map<string, Subject<EntitySnapshot>>();
  private readonly byName = new Map<string, Subject<EntitySnapshot>>();
  private ended: { error?: unknown } | undefined;

  /** Changes matching `filter` from now on; completes (or errors) when the topics end. */
  watch(filter: WatchFilter): Observable<EntitySnapshot> {
    return filter.key === undefined
      ? this.topic(this.byName, filter.name)
      : this.topic(this.byEntity, entityIdToString({ name: filter.name, key: filter.key }));
  }

  publish(snapshot: EntitySnapshot): void {
    if (this.byEntity.size > 0) this.byEntity.get(entityIdToString(snapshot.id))?.next(snapshot);
    if (this.byName.size > 0) this.byName.get(snapshot.id.name)?.next(snapshot);
  }

  /** Completes every watcher (or errors them with `error`); later watchers end at once. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = error === undefined ? {} : { error };
    for (const topics of [this.byEntity, this.byName]) {
      for (const subject of topics.values()) {
        if (error !== undefined) subject.error(error);
        else subject.complete();
      }
      topics.clear();
    }
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
}
