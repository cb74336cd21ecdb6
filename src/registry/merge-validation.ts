import type { OperationMetadata } from '../../decorators';
import { DefinitionError } from '../errors';
import { findMethod } from './class-reflection';

/**
 * Checks the `merge` option of an operation: it must be a function of two inputs, on an
 * operation that takes an input. Whether it keeps its contract (`op(a)` then `op(b)` equals
 * `op(merge(a, b))`) cannot be checked here; the aggregators guide lists what qualifies.
 */
export function validateMerge(entity: string, cls: Function, op: OperationMetadata): (a: unknown, b: unknown) => unknown {
  const merge = op.merge;
  if (typeof merge !== 'function') {
    throw new DefinitionError(
      `The merge option of operation '${op.name}' of entity '${entity}' must be a function (a, b) => merged, got ${merge === null ? 'null' : typeof merge}. ` +
        `Pass e.g. @Operation({ merge: (a: number, b: number) => a + b }), or leave merge out.`,
    );
  }
  if (merge.length > 2) {
    throw new DefinitionError(
      `The merge function of operation '${op.name}' of entity '${entity}' declares ${merge.length} parameters; it takes two inputs (a, b) and returns one.`,
    );
  }
  const method = findMethod(cls.prototype as object, op.methodName) as Function;
  if (method.length !== 1) {
    throw new DefinitionError(
      `Operation ${cls.name}.${op.methodName} declares a merge function but takes no input: merging combines inputs. ` +
        `Give the method one parameter (e.g. add(n: number)), or remove merge.`,
    );
  }
  return merge as (a: unknown, b: unknown) => unknown;
}
