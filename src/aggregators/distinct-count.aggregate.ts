import { Operation } from '../../decorators';
import { addToSketch, emptySketch, estimateSketch } from './hyper-log-log';

/**
 * Counts distinct items approximately (HyperLogLog, about 1.6% standard error) in a fixed
 * 5.5 KB of state, however many items arrive. `add` is mergeable: adding items twice
 * changes nothing, so a run of adds becomes one add of all their items.
 *
 * @example
 * ```ts
 * @Entity() class UniqueVisitors extends DistinctCount {}
 * await client.entity(UniqueVisitors, 'shop').signal.add([visitorId]);
 * const visitors = await client.entity(UniqueVisitors, 'shop').call.estimate();
 * ```
 */
export class DistinctCount {
  sketch = emptySketch();

  @Operation({ merge: (a: string[], b: string[]) => [...a, ...b] })
  add(items: string[]): void {
    this.sketch = addToSketch(this.sketch, items);
  }

  @Operation()
  estimate(): number {
    return estimateSketch(this.sketch);
  }
}
