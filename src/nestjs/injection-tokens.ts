import { NEST_METADATA } from './jetstate.constants';

/** One constructor parameter or property Nest would inject into a class. */
export interface InjectionPoint {
  /** What to look up in Nest's container: a class, a string or a symbol. */
  readonly token: unknown;
  /** `constructor parameter #1` or `property 'rates'`, for messages. */
  readonly where: string;
  /** Marked `@Optional()`: left `undefined` when nothing provides it. */
  readonly optional: boolean;
  /** The parameter index, or the property key. */
  readonly target: { readonly index: number } | { readonly key: string | symbol };
}

interface SelfDeclared {
  readonly index: number;
  readonly param: unknown;
}

interface PropertyDeclared {
  readonly key: string | symbol;
  readonly type: unknown;
}

/**
 * Reads what Nest itself reads to inject a class: the constructor's parameter types
 * (`design:paramtypes`, written by `emitDecoratorMetadata`), `@Inject(token)` overrides,
 * `@Optional()` marks and `@Inject()` on properties.
 */
export function injectionPoints(cls: Function): InjectionPoint[] {
  const paramTypes: unknown[] | undefined = Reflect.getMetadata(NEST_METADATA.paramTypes, cls);
  const declared: SelfDeclared[] = Reflect.getMetadata(NEST_METADATA.selfDeclaredDeps, cls) ?? [];
  const optional: number[] = Reflect.getMetadata(NEST_METADATA.optionalDeps, cls) ?? [];
  const count = Math.max(paramTypes?.length ?? 0, cls.length, ...declared.map((d) => d.index + 1));
  const points: InjectionPoint[] = [];
  for (let index = 0; index < count; index++) {
    const override = declared.find((d) => d.index === index);
    const token = override ? unwrapForwardRef(override.param) : paramTypes?.[index];
    points.push({ token, where: `constructor parameter #${index + 1}`, optional: optional.includes(index), target: { index } });
  }
  const properties: PropertyDeclared[] = Reflect.getMetadata(NEST_METADATA.propertyDeps, cls) ?? [];
  const optionalProperties: (string | symbol)[] = Reflect.getMetadata(NEST_METADATA.optionalPropertyDeps, cls) ?? [];
  for (const { key, type } of properties) {
    points.push({ token: unwrapForwardRef(type), where: `property '${String(key)}'`, optional: optionalProperties.includes(key), target: { key } });
  }
  return points;
}

/** A readable name of an injection token. */
export function tokenName(token: unknown): string {
  if (typeof token === 'function') return token.name || 'an anonymous class';
  if (typeof token === 'symbol') return token.toString();
  return typeof token === 'string' ? `'${token}'` : String(token);
}

function unwrapForwardRef(token: unknown): unknown {
  if (typeof token === 'object' && token !== null && 'forwardRef' in token && typeof token.forwardRef === 'function') {
    return (token.forwardRef as () => unknown)();
  }
  return token;
}
