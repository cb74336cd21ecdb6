/** A decorator's options given as a name or an object: `@Decorator('name')` is short for `@Decorator({ name: 'name' })`. */
export function decoratorOptions<O extends { name?: string }>(nameOrOptions: string | O | undefined): O {
  return (typeof nameOrOptions === 'string' ? { name: nameOrOptions } : (nameOrOptions ?? {})) as O;
}
