/** A validated roll-up: where an entity's changes go (see `@RollUp`). */
export interface RollUpDefinition {
  /** The parent entity's name. */
  readonly parent: string;
  readonly key: (childKey: string) => string;
  /** The parent's mergeable operation. */
  readonly operation: string;
  readonly value: (child: object) => unknown;
  /** The parent's input for a change, or undefined to send nothing. */
  readonly delta: (before: unknown, after: unknown, childKey: string) => unknown;
}
