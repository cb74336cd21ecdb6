import { Counter, DistinctCount, Histogram, Stats, TopK } from '../../src/aggregators';
import { Entity, Operation, RollUp, Windowed, entityContext } from '../../src/index';

@Entity()
export class Clicks extends Counter {}

@Entity()
export class Latency extends Stats {}

@Entity()
export class Visitors extends DistinctCount {}

@Entity()
export class Searches extends TopK {
  static override readonly capacity = 20;
}

@Entity()
export class ResponseTimes extends Histogram {
  static override readonly boundaries = [10, 100];
}

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
    entityContext()
      .entity(Tape, `relayed-${n % 3}`)
      .signal.append([n]);
  }
}

/** A mergeable operation that also sends a signal: the apply loop must not fold it. */
@Entity()
export class PageTally {
  views = 0;

  @Operation({ merge: (a: number, b: number) => a + b })
  add(n: number): void {
    this.views += n;
    entityContext()
      .entity(HotCounter, `site-${entityContext().entityId.key.split('/')[0]}`)
      .signal.add(n);
  }
}

/** Sums by name; `add` is mergeable, so roll-up deltas fold. */
@Entity()
export class Breakdown {
  total = 0;
  byName: Record<string, number> = {};

  @Operation({
    merge: (a: Record<string, number>, b: Record<string, number>) => {
      const out = { ...a };
      for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
      return out;
    },
  })
  add(delta: Record<string, number>): void {
    for (const [name, n] of Object.entries(delta)) {
      this.total += n;
      this.byName[name] = (this.byName[name] ?? 0) + n;
      if (this.byName[name] === 0) delete this.byName[name];
    }
  }

  @Operation()
  get(): { total: number; byName: Record<string, number> } {
    return { total: this.total, byName: this.byName };
  }
}

/** A counter keyed `<group>/<name>` that rolls its value up into the Breakdown of its group. */
@Entity()
@RollUp<LeafCounter, number, Record<string, number>>({
  to: () => Breakdown,
  key: (key) => key.slice(0, key.indexOf('/')),
  operation: 'add',
  value: (leaf) => leaf.value,
  delta: (before, after, key) => (after === before ? undefined : { [key.slice(key.indexOf('/') + 1)]: after - before }),
})
export class LeafCounter {
  value = 0;

  @Operation({ merge: (a: number, b: number) => a + b })
  add(n: number): void {
    this.value += n;
  }

  /** Fails past a limit: its change, and its roll-up delta, are rolled back. */
  @Operation()
  addAtMost(input: { n: number; limit: number }): void {
    this.value += input.n;
    if (this.value > input.limit) throw new Error('over the limit');
  }
}

/** Views per 2 s window by event time; late by up to 1.9 s is accepted, windows go 4 s after their end. */
@Entity()
@Windowed({ sizeMs: 2_000, allowedLatenessMs: 1_900, retentionMs: 4_000 })
export class ViewsPerWindow {
  views = 0;

  @Operation({ merge: (a: number, b: number) => a + b })
  add(n: number): void {
    this.views += n;
  }

  @Operation()
  get(): number {
    return this.views;
  }
}

/** Windows by arrival time. */
@Entity()
@Windowed({ sizeMs: 60_000, retentionMs: 120_000, time: 'arrival' })
export class ArrivalsPerMinute {
  count = 0;

  @Operation({ merge: (a: number, b: number) => a + b })
  add(n: number): void {
    this.count += n;
  }
}

/** Deleted once its state has not changed for a second. */
@Entity({ idleRetentionMs: 1_000 })
export class IdleSession {
  touches = 0;

  @Operation()
  touch(): void {
    this.touches++;
  }

  @Operation()
  peek(): number {
    return this.touches;
  }
}

export const AGGREGATOR_ENTITIES = [
  IdleSession,
  HotCounter,
  Tape,
  TapeRelay,
  PageTally,
  Breakdown,
  LeafCounter,
  ViewsPerWindow,
  ArrivalsPerMinute,
  Clicks,
  Latency,
  Visitors,
  Searches,
  ResponseTimes,
];
