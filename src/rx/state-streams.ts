import { Observable } from 'rxjs';
import type { Engine } from '../engine/engine';
import { entityIdToString, type EntityId } from '../registry/entity-id';
import type { EntitySnapshot } from '../runtime/messages';

/**
 * The current committed snapshot of one entity, then every later committed change, in
 * version order and without repeats. It starts watching before it reads, so no commit
 * between the read and the start of the watch is missed.
 */
export function entitySnapshots$(engine: Engine, id: EntityId): Observable<EntitySnapshot> {
  return new Observable<EntitySnapshot>((subscriber) => {
    let lastVersion = 0;
    let loaded = false;
    const buffered: EntitySnapshot[] = [];
    const emit = (snapshot: EntitySnapshot): void => {
      if (snapshot.version <= lastVersion) return;
      lastVersion = snapshot.version;
      subscriber.next(snapshot);
    };
    const watching = engine.watch({ name: id.name, key: id.key }).subscribe({
      next: (snapshot) => (loaded ? emit(snapshot) : buffered.push(snapshot)),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    engine.readSnapshot(id).then(
      (current) => {
        if (current) emit(current);
        loaded = true;
        buffered.splice(0).forEach(emit);
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => watching.unsubscribe();
  });
}

/** Every committed change of every entity named `name`, from now on, without repeats per entity. */
export function nameSnapshots$(engine: Engine, name: string): Observable<EntitySnapshot> {
  return new Observable<EntitySnapshot>((subscriber) => {
    const versions = new Map<string, number>();
    return engine.watch({ name }).subscribe({
      next: (snapshot) => {
        const key = entityIdToString(snapshot.id);
        if (snapshot.version <= (versions.get(key) ?? 0)) return;
        versions.set(key, snapshot.version);
        subscriber.next(snapshot);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
  });
}
