import { Entity, Operation, entityContext } from '../../src/index';

/** A counter whose `add` is mergeable: add(a) then add(b) equals add(a + b). */
@Entity()
export class HotCounter {
  value = 0;

  @Operation({ merge: (a: number, b: number) => a + b })
  add(n: number): void {
    this.value += n;
  }

  /** Not mergeable: it ends a run of adds. */
  @Operation()
  set(n: number): void {
    this.value = n;
  }

  @Operation()
  get(): number {
    return this.value;
  }
}

/** A list whose `append` is mergeable by concatenation, so the final list shows order and duplicates. */
@Entity()
export class Tape {
  items: number[] = [];

  @Operation({ merge: (a: number[], b: number[]) => [...a, ...b] })
  append(items: number[]): void {
    this.items.push(...items);
  }

  @Operation()
  list(): number[] {
    return this.items;
  }
}

/** Records a number and forwards it to a Tape as a mergeable append (the outbox fold). */
@Entity()
export class TapeRelay {
  seen = 0;

  @Operation()
  forward(n: number): void {
    this.seen++;
    entityContext().entity(Tape, `relayed-${n % 3}`).signal.append([n]);
  }
}

/** A mergeable operation that also sends a signal: the apply loop must not fold it. */
@Entity()
export class PageTally {
  views = 0;

  @Operation({ merge: (a: number, b: number) => a + b })
  add(n: number): void {
    this.views += n;
    entityContext().entity(HotCounter, `site-${entityContext().entityId.key.split('/')[0]}`).signal.add(n);
  }
}

export const AGGREGATOR_ENTITIES = [HotCounter, Tape, TapeRelay, PageTally];
