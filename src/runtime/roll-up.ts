import type { LiveEntity } from './entity-cache';
import type { OperationContext } from './operation-context';

/**
 * The value an entity rolls up now (see `@RollUp`), taken before each operation so the
 * operation's change can be sent to the parent; undefined for entities without a roll-up.
 */
export function rollUpValue(entity: LiveEntity): unknown {
  const rollUp = entity.definition.rollUp;
  return rollUp ? rollUp.value(entity.instance) : undefined;
}

/**
 * Sends the parent the delta of one operation's change, from `before` to the value now, as
 * a signal of the operation: it commits with the child's new state, or not at all when the
 * operation fails. The deltas of one batch fold into one message per child in the outbox.
 */
export function sendRollUp(context: OperationContext, entity: LiveEntity, before: unknown): void {
  const rollUp = entity.definition.rollUp;
  if (!rollUp) return;
  const childKey = entity.id.key;
  const delta = rollUp.delta(before, rollUp.value(entity.instance), childKey);
  if (delta === undefined) return;
  context.signalEntity({ name: rollUp.parent, key: rollUp.key(childKey) }, rollUp.operation, delta);
}
