import 'reflect-metadata';
import { Entity, Operation, entityContext } from '../../src/index';
import { Journal } from '../contract/fixtures';

/** Forwards its input, doubled, to a Journal from inside the operation. */
@Entity()
export class Relay {
  forwarded = 0;
  @Operation() forward(text: string): void {
    this.forwarded++;
    entityContext()
      .entity(Journal, 'relayed')
      .signal.append(text + text);
  }
  @Operation() count(): number {
    return this.forwarded;
  }
}
