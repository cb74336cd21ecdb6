import 'reflect-metadata';
import { Entity, Operation, RollUp, entityContext } from '../src/index';

/** The hot-key counter with a mergeable add. (Counter, in counter.entity.ts, is the one without.) */
@Entity()
export class MergingCounter {
  value = 0;

  @Operation({ merge: (a: number, b: number) => a + b })
  add(n: number): void {
    this.value += n;
  }

  @Operation()
  get(): number {
    return this.value;
  }
}

/** The counter demo as it was before roll-ups: every change forwarded as its own signal. */
@Entity()
export class ForwardingPage {
  views = 0;

  @Operation()
  add(views: number): void {
    this.views += views;
    const key = entityContext().entityId.key;
    entityContext()
      .entity(ForwardingSite, key.slice(0, key.indexOf('/')))
      .signal.record(views);
  }
}

@Entity()
export class ForwardingSite {
  total = 0;

  @Operation()
  record(views: number): void {
    this.total += views;
  }

  @Operation()
  get(): number {
    return this.total;
  }
}

const sumCounts = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
};

/**
 * WordCount's reducer side: the total of all words starting with one letter, by word.
 * Word entities roll up into it.
 */
@Entity()
export class LetterCount {
  total = 0;

  @Operation({ merge: sumCounts })
  add(delta: Record<string, number>): void {
    for (const n of Object.values(delta)) this.total += n;
  }

  @Operation()
  get(): number {
    return this.total;
  }
}

/** WordCount: one entity per word, counted with a mergeable add, rolled up by first letter. */
@Entity()
@RollUp<WordCount, number, Record<string, number>>({
  to: () => LetterCount,
  key: (word) => word[0]!,
  operation: 'add',
  value: (w) => w.count,
  delta: (before, after, word) => (after === before ? undefined : { [word]: after - before }),
})
export class WordCount {
  count = 0;

  @Operation({ merge: (a: number, b: number) => a + b })
  add(n: number): void {
    this.count += n;
  }
}

/** WordCount's mapper: splits a chunk of text and signals each word's count. */
@Entity()
export class Mapper {
  chunks = 0;

  @Operation()
  map(text: string): void {
    this.chunks++;
    const counts = new Map<string, number>();
    for (const word of text.split(' ')) counts.set(word, (counts.get(word) ?? 0) + 1);
    for (const [word, n] of counts) entityContext().entity(WordCount, word).signal.add(n);
  }
}

export const AGGREGATOR_BENCH_ENTITIES = [MergingCounter, ForwardingPage, ForwardingSite, LetterCount, WordCount, Mapper];
