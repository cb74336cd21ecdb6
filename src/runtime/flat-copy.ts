import { TransformationType } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';

/**
 * What class-transformer's metadata says about the fields of one class: `undefined` when
 * the class has class-level `@Expose`/`@Exclude` or any exposed or excluded field (its
 * copy is never flat), otherwise whether each field seen so far is free of `@Type` and
 * `@Transform`.
 */
type FieldVerdicts = Map<string, boolean> | undefined;

const verdictsByClass = new Map<Function, FieldVerdicts>();

function verdictsOf(owner: Function): FieldVerdicts {
  if (verdictsByClass.has(owner)) return verdictsByClass.get(owner);
  const storage = defaultMetadataStorage;
  const decorated = storage.getStrategy(owner) !== 'none' || storage.getExposedMetadatas(owner).length > 0 || storage.getExcludedMetadatas(owner).length > 0;
  const verdicts: FieldVerdicts = decorated ? undefined : new Map();
  verdictsByClass.set(owner, verdicts);
  return verdicts;
}

function isPlainField(owner: Function, verdicts: Map<string, boolean>, key: string): boolean {
  let plain = verdicts.get(key);
  if (plain === undefined) {
    plain =
      defaultMetadataStorage.findTypeMetadata(owner, key) === undefined &&
      defaultMetadataStorage.findTransformMetadatas(owner, key, TransformationType.CLASS_TO_PLAIN).length === 0;
    verdicts.set(key, plain);
  }
  return plain;
}

/** Values class-transformer converts by their type, not field by field. */
function hasOwnConversion(value: object): boolean {
  return (
    Array.isArray(value) ||
    value instanceof Date ||
    value instanceof Map ||
    value instanceof Set ||
    ArrayBuffer.isView(value) ||
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The plain copy of a flat object (a class instance or an object literal whose own fields
 * all hold strings, booleans, finite numbers, `null` or `undefined`, and whose class has no
 * class-transformer decorators), or `undefined` for anything else.
 *
 * For such an object it equals what class-transformer's `instanceToPlain` returns, at a
 * fraction of the cost: most entity states are flat (counters, totals, flags), and they are
 * serialized once per entity and batch.
 */
export function flatCopy(value: object): Record<string, unknown> | undefined {
  const owner = (value as { constructor?: unknown }).constructor;
  if (typeof owner !== 'function' || hasOwnConversion(value)) return undefined;
  const verdicts = verdictsOf(owner);
  if (verdicts === undefined) return undefined;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // class-transformer skips these two names; anything unusual takes its path.
    if (key === '__proto__' || key === 'constructor') return undefined;
    const field = (value as Record<string, unknown>)[key];
    switch (typeof field) {
      case 'string':
      case 'boolean':
      case 'undefined':
        break;
      case 'number':
        if (!Number.isFinite(field)) return undefined;
        break;
      case 'object':
        if (field !== null) return undefined;
        break;
      default:
        return undefined;
    }
    if (!isPlainField(owner, verdicts, key)) return undefined;
    copy[key] = field;
  }
  return copy;
}
