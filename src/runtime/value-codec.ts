import { instanceToPlain, plainToClassFromExist, plainToInstance } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { SerializationError } from '../errors';
import { flatCopy } from './flat-copy';

/**
 * Converts values (entity state, operation inputs and results) to plain JSON through
 * class-transformer, and refuses what JSON would silently lose or mangle: BigInt,
 * functions, symbols, NaN and Infinity, cycles, and Dates, Maps, Sets or class
 * instances that class-transformer could not restore because their field has no `@Type`.
 */
export function toPlain(value: unknown, path: string): unknown {
  if (value === undefined || value === null || typeof value !== 'object') {
    checkValue(value, value, path);
    return value;
  }
  const flat = flatCopy(value);
  if (flat) return flat;
  let plain: unknown;
  try {
    plain = instanceToPlain(value);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new SerializationError(
        `${path} contains a cycle (an object that refers back to one of its parents); JSON cannot store it. ` +
          `Store ids instead of references, or exclude the field with @Exclude().`,
        path,
      );
    }
    throw error;
  }
  checkValue(plain, value, path);
  return plain;
}

/** `toPlain` followed by `JSON.stringify`. */
export function toJson(value: unknown, path: string): string {
  return JSON.stringify(toPlain(value, path)) ?? 'null';
}

/** Restores a plain value into an existing instance (keeps injected dependencies and defaults). */
export function assignPlain<T extends object>(instance: T, plain: unknown): T {
  return plainToClassFromExist(instance, plain as object);
}

/** Converts a plain input to `type` when the operation's declared parameter type is a class or Date. */
export function fromPlain(type: Function | undefined, plain: unknown): unknown {
  if (!type || plain === null || plain === undefined) return plain;
  if (type === Date) return typeof plain === 'string' || typeof plain === 'number' ? new Date(plain) : plain;
  if (typeof plain !== 'object' || Array.isArray(plain)) return plain;
  return plainToInstance(type as new () => object, plain);
}

function checkValue(plain: unknown, original: unknown, path: string): void {
  switch (typeof plain) {
    case 'bigint':
      throw new SerializationError(`${path} is a BigInt, which JSON cannot store. Store it as a string or a number instead.`, path);
    case 'symbol':
      throw new SerializationError(`${path} is a symbol, which JSON cannot store. Use a string instead.`, path);
    case 'function':
      throw functionError(path);
    case 'number':
      if (!Number.isFinite(plain)) {
        throw new SerializationError(`${path} is ${plain}, which JSON would turn into null. Store a finite number or null.`, path);
      }
      break;
    case 'object':
      if (plain instanceof Date) {
        if (Number.isNaN(plain.getTime())) {
          throw new SerializationError(`${path} is an invalid Date, which JSON would turn into null. Store a valid Date or null.`, path);
        }
      } else if (plain !== null) {
        checkObject(plain as Record<string, unknown>, original, path);
      }
      break;
  }
  if (typeof original === 'function') throw functionError(path);
}

function checkObject(plain: Record<string, unknown>, original: unknown, path: string): void {
  if (Array.isArray(plain)) {
    const source = Array.isArray(original) ? original : [];
    for (let i = 0; i < plain.length; i++) checkValue(plain[i], source[i], `${path}[${i}]`);
    return;
  }
  const source = isRecord(original) && !(original instanceof Map) ? original : undefined;
  for (const key of Object.keys(plain)) {
    checkValue(plain[key], source?.[key], `${path}.${key}`);
  }
  if (!source) return;
  const owner = source.constructor;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (!(key in plain)) {
      if (typeof value === 'function' && !isExcluded(owner, key)) throw functionError(`${path}.${key}`);
      continue;
    }
    checkRestorable(owner, key, value, `${path}.${key}`);
  }
}

function checkRestorable(owner: Function | undefined, key: string, value: unknown, path: string): void {
  const sample = Array.isArray(value) ? value.find((v) => v !== null && v !== undefined) : value;
  const kind = needsTypeHint(sample);
  if (!kind || (owner && hasTypeHint(owner, key))) return;
  const inClass = owner !== undefined && owner !== Object;
  const where = inClass ? `${owner.name}.${key}` : path;
  const collection = kind === 'Map' || kind === 'Set';
  const hint = collection ? `@Type(() => ValueType) (the type of its values) and a ${kind}<...> type annotation` : `@Type(() => ${kind})`;
  throw new SerializationError(
    `${where} holds a value of type ${kind}, which would be read back as plain JSON, not as ${kind}. ` +
      (inClass ? `Give the field ${hint}, from class-transformer.` : `Declare a class for the enclosing object and give the field ${hint}.`),
    path,
  );
}

function needsTypeHint(value: unknown): string | undefined {
  if (value instanceof Date) return 'Date';
  if (value instanceof Map) return 'Map';
  if (value instanceof Set) return 'Set';
  if (isRecord(value) && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== null && proto !== Object.prototype) return value.constructor.name || 'class instance';
  }
  return undefined;
}

function hasTypeHint(owner: Function, key: string): boolean {
  return defaultMetadataStorage.findTypeMetadata(owner, key) !== undefined;
}

function isExcluded(owner: Function | undefined, key: string): boolean {
  return owner !== undefined && defaultMetadataStorage.findExcludeMetadata(owner, key) !== undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function functionError(path: string): SerializationError {
  return new SerializationError(
    `${path} is a function, which is not state and cannot be stored. Move it to a method, or mark the field with @Exclude().`,
    path,
  );
}
