import 'reflect-metadata';
import { Entity, Operation } from '../src/index';

/** The entity every benchmark scenario drives. */
@Entity()
export class Counter {
  value = 0;

  @Operation()
  add(n: number): void {
    this.value += n;
  }

  @Operation()
  get(): number {
    return this.value;
  }

  @Operation()
  increment(): number {
    return ++this.value;
  }
}
