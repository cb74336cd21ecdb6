import 'reflect-metadata';
import { Exclude, Type } from 'class-transformer';
import { Entity, Operation, entityContext } from '../../src/index';

@Entity()
export class Counter {
  value = 0;
  @Operation() add(amount: number): void {
    this.value += amount;
  }
  @Operation() increment(): number {
    return ++this.value;
  }
  @Operation() reset(): void {
    this.value = 0;
  }
  @Operation() get(): number {
    return this.value;
  }
  /** Changes the state, sends a signal, then throws: all of it must be rolled back. */
  @Operation() addThenFail(amount: number): void {
    this.value += amount;
    entityContext().entity(Counter, `${entityContext().entityId.key}-shadow`).signal.add(amount);
    throw new RangeError(`refusing ${amount}`);
  }
  /** Not an operation: calling it through a proxy must be refused. */
  helper(): number {
    return 42;
  }
}

@Entity()
export class Journal {
  entries: string[] = [];
  @Operation() append(entry: string): void {
    this.entries.push(entry);
  }
  @Operation() read(): string[] {
    return this.entries;
  }
  /** Appends, then answers with the entries twice over (a result larger than the state). */
  @Operation() appendAndEcho(entry: string): string[] {
    this.entries.push(entry);
    return [...this.entries, ...this.entries];
  }
  @Operation() clear(): void {
    entityContext().deleteState();
  }
  /** Records when it ran, to check scheduled signals run at (not before) their time. */
  @Operation() stamp(label: string): void {
    this.entries.push(`${label}@${Date.now()}`);
  }
  /** Leaves a value in the state that cannot be stored: a BigInt, a function or a cycle. */
  @Operation() corrupt(kind: 'bigint' | 'function' | 'cycle' = 'bigint'): void {
    const self = this as unknown as Record<string, unknown>;
    if (kind === 'bigint') self.big = 1n;
    if (kind === 'function') self.callback = () => 1;
    if (kind === 'cycle') {
      const node: Record<string, unknown> = { name: 'loop' };
      node.next = node;
      self.graph = node;
    }
  }
}

@Entity()
export class Totals {
  total = 0;
  count = 0;
  @Operation() record(amount: number): void {
    this.total += amount;
    this.count++;
  }
  @Operation() snapshot(): { total: number; count: number } {
    return { total: this.total, count: this.count };
  }
}

/** A counter that forwards every amount to the `Totals` entity named by its key's prefix. */
@Entity()
export class ForwardingCounter {
  value = 0;
  @Operation() add(amount: number): void {
    this.value += amount;
    const site = entityContext().entityId.key.split(':')[0]!;
    entityContext().entity(Totals, site).signal.record(amount);
  }
}

/** An operation that waits on something outside, to show other entities keep running. */
@Entity()
export class Waiter {
  done = false;
  static gates = new Map<string, Promise<void>>();
  @Operation() async wait(): Promise<string> {
    const key = entityContext().entityId.key;
    await Waiter.gates.get(key);
    this.done = true;
    return entityContext().entityId.key;
  }
}

export class LineItem {
  sku = '';
  quantity = 0;
  @Type(() => Date) addedAt: Date = new Date(0);
}

/** State with nested classes, a Date and a Map, restored by class-transformer. */
@Entity()
export class Cart {
  @Type(() => LineItem) items: LineItem[] = [];
  @Type(() => Date) updatedAt: Date = new Date(0);
  @Type(() => Number) quantities: Map<string, number> = new Map();
  @Operation() addItem(item: { sku: string; quantity: number; at: string }): void {
    const line = new LineItem();
    line.sku = item.sku;
    line.quantity = item.quantity;
    line.addedAt = new Date(item.at);
    this.items.push(line);
    this.quantities.set(item.sku, (this.quantities.get(item.sku) ?? 0) + item.quantity);
    this.updatedAt = new Date(item.at);
  }
}

export class PriceService {
  priceOf(sku: string): number {
    return sku.length * 10;
  }
}

/** Gets a service through the `resolve` hook; the service is not state. */
@Entity()
export class PricedOrder {
  total = 0;
  @Exclude() private readonly prices: PriceService;
  constructor(prices?: PriceService) {
    this.prices = prices ?? new PriceService();
  }
  @Operation() add(sku: string): number {
    this.total += this.prices.priceOf(sku);
    return this.total;
  }
}

/** Operation names that differ from method names. */
@Entity('Gauge')
export class RenamedGauge {
  level = 0;
  @Operation('raise') up(by: number): void {
    this.level += by;
  }
  @Operation('current') read(): number {
    return this.level;
  }
}

/** Leaves callbacks behind that try to use the context after the operation returned. */
@Entity()
export class Leaky {
  static afterwards: Promise<string>[] = [];
  @Operation() leak(): void {
    const captured = entityContext();
    Leaky.afterwards.push(
      new Promise<string>((resolve) =>
        setTimeout(() => {
          const outcomes: string[] = [];
          for (const attempt of [() => entityContext(), () => captured.signalEntity({ name: 'Counter', key: 'leak' }, 'add', 1)]) {
            try {
              attempt();
              outcomes.push('allowed');
            } catch (error) {
              outcomes.push((error as Error).name);
            }
          }
          resolve(outcomes.join(','));
        }, 5),
      ),
    );
  }
  /** Schedules a signal to a Journal from inside the operation. */
  @Operation() remind(at: string): void {
    entityContext().entity(Journal, 'reminders').signalAt(new Date(at)).stamp('reminder');
  }
}

export const ALL_ENTITIES = [Counter, Journal, Totals, ForwardingCounter, Waiter, Cart, PricedOrder, RenamedGauge, Leaky];
