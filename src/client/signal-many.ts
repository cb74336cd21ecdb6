import { InvalidOptionsError } from '../errors';
import type { EntityId } from '../registry/entity-id';

/**
 * One signal of {@link DurableClient.signalMany}: an operation of the entity `id`, with its
 * input. Entities and operations may differ from item to item.
 *
 * @example
 * ```ts
 * const item: SignalManyItem = { id: { name: 'PageCounter', key: 'site1/home' }, operation: 'add', input: 1 };
 * ```
 */
export interface SignalManyItem {
  readonly id: EntityId;
  readonly operation: string;
  readonly input?: unknown;
}

/** Most signals one {@link DurableClient.signalMany} call takes. */
export const MAX_SIGNAL_MANY = 100_000;

/** Checks the shape of a signalMany batch before anything is built or sent. */
export function assertSignalManyItems(items: unknown): asserts items is readonly SignalManyItem[] {
  if (!Array.isArray(items)) {
    throw new InvalidOptionsError(`signalMany takes an array of { id: { name, key }, operation, input? }, got ${items === null ? 'null' : typeof items}.`);
  }
  if (items.length > MAX_SIGNAL_MANY) {
    throw new InvalidOptionsError(`signalMany takes at most ${MAX_SIGNAL_MANY} signals per call, got ${items.length}. Split the batch into several calls.`);
  }
  items.forEach((item: Partial<SignalManyItem> | null, i) => {
    if (typeof item !== 'object' || item === null || typeof item.operation !== 'string' || typeof item.id !== 'object' || item.id === null) {
      throw new InvalidOptionsError(
        `signalMany item ${i} is not { id: { name, key }, operation, input? }. Give every item an entity id and an operation name.`,
      );
    }
  });
}
