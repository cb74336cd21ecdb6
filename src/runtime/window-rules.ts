import { LateDataError } from '../errors';
import { DELETE_OPERATION } from '../registry/entity-definition';
import { parseWindowKey } from '../registry/window-definition';
import type { LiveEntity } from './entity-cache';
import type { OperationContext } from './operation-context';

/**
 * The late-data rule of a windowed aggregate: a window takes operations until its end plus
 * the allowed lateness, by the applying worker's clock; later ones fail with a
 * {@link LateDataError} (a signal's failure is logged and counted, a call's is thrown to
 * its caller). Deleting is always allowed, and so are read-only operations, which cannot
 * change a closed window. A key that is not a window key is refused too. `now` is called
 * only for a windowed entity, so other entities cost no clock read.
 */
export function checkWindowOpen(entity: LiveEntity, operation: string, now: () => number): void {
  const window = entity.definition.window;
  if (!window || operation === DELETE_OPERATION) return;
  const parsed = parseWindowKey(entity.id.key);
  if (!parsed || parsed.startMs % window.sizeMs !== 0) {
    throw new LateDataError(
      `'${entity.id.key}' is not a window of ${entity.definition.name} (windows of ${window.sizeMs} ms). Reach windows with client.windows(${entity.definition.name}).window(key, time).`,
    );
  }
  if (entity.definition.operations.get(operation)?.readOnly) return;
  const closesAt = parsed.startMs + window.sizeMs + window.allowedLatenessMs;
  if (now() >= closesAt) {
    throw new LateDataError(
      `The window ${entity.definition.name}/${entity.id.key} closed at ${new Date(closesAt).toISOString()} (its end plus ${window.allowedLatenessMs} ms of allowed lateness); ` +
        `this ${operation} came later and was not applied. Raise allowedLatenessMs if late data must count.`,
    );
  }
}

/**
 * Retention: a window's first operation schedules its deletion at its end plus the
 * retention, as a `delete` signal committed with it. The delete runs through the normal
 * commit path on both engines, so state streams see the window go.
 */
export function scheduleWindowDeletion(context: OperationContext, entity: LiveEntity, existedBefore: boolean): void {
  const window = entity.definition.window;
  if (!window || existedBefore || !entity.exists) return;
  const parsed = parseWindowKey(entity.id.key)!;
  context.signalEntity(entity.id, DELETE_OPERATION, undefined, { scheduledTime: new Date(parsed.startMs + window.sizeMs + window.retentionMs) });
}
