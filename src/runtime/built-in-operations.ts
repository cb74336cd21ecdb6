import { DELETE_OPERATION } from '../registry/entity-definition';
import { isLockOperation } from './entity-locks';
import { IDLE_CHECK_OPERATION } from './idle-retention';

/** True for the operations every entity takes without declaring them: delete, the lock protocol, the idle check. */
export function isBuiltInOperation(operation: string): boolean {
  return operation === DELETE_OPERATION || operation === IDLE_CHECK_OPERATION || isLockOperation(operation);
}
