import type { LiveEntity } from './entity-cache';
import { derivedMessageId, type OperationContext } from './operation-context';

/**
 * The built-in operation that checks an entity with `@Entity({ idleRetentionMs })`: it
 * deletes the entity once its state has not changed for that long, or schedules itself
 * again for when that will be the case.
 */
export const IDLE_CHECK_OPERATION = '$idleCheck';

/**
 * Idle retention: an entity's first operation schedules its first check, committed with
 * it. Checks run through the normal commit path on both engines, so a deletion is durable
 * and state streams see it; a check that finds the entity changed since schedules the next.
 */
export function scheduleFirstIdleCheck(context: OperationContext, entity: LiveEntity, existedBefore: boolean, now: () => number): void {
  const idleMs = entity.definition.idleRetentionMs;
  if (idleMs === undefined || existedBefore || !entity.exists) return;
  scheduleIdleCheck(context, entity, now() + idleMs);
}

/** Schedules a check of `entity` at `atMs`, sent only if the running operation commits. */
export function scheduleIdleCheck(context: OperationContext, entity: LiveEntity, atMs: number): void {
  context.emit({
    id: derivedMessageId(context.message.id, context.produced.length),
    target: { name: entity.id.name, key: entity.id.key },
    operation: IDLE_CHECK_OPERATION,
    kind: 'signal',
    scheduledTime: atMs,
  });
}
