import type { DurableTask } from './durable-task';
import type { EventRaisedEvent } from './history-events';

/**
 * The external events of one execution: events raised before anybody waits are kept in
 * arrival order; each event completes the oldest pending wait of its name.
 */
export class ExternalEvents {
  private readonly buffered: EventRaisedEvent[] = [];
  private readonly waiters = new Map<string, DurableTask<unknown>[]>();

  /** Completes `task` with the oldest kept event named `name`, or queues it for the next one. */
  wait(name: string, task: DurableTask<unknown>): void {
    const index = this.buffered.findIndex((event) => event.name === name);
    if (index >= 0) {
      task.resolve(this.buffered.splice(index, 1)[0]!.input);
      return;
    }
    const queue = this.waiters.get(name);
    if (queue) queue.push(task);
    else this.waiters.set(name, [task]);
  }

  /** Removes a canceled wait so it does not take an event. */
  cancel(task: DurableTask<unknown>): void {
    for (const [name, queue] of this.waiters) {
      const index = queue.indexOf(task);
      if (index < 0) continue;
      queue.splice(index, 1);
      if (queue.length === 0) this.waiters.delete(name);
      return;
    }
  }

  /** Delivers an event to the oldest wait of its name; keeps it when nobody waits. True when a wait took it. */
  receive(event: EventRaisedEvent): boolean {
    const queue = this.waiters.get(event.name);
    const task = queue?.shift();
    if (queue?.length === 0) this.waiters.delete(event.name);
    if (task) {
      task.resolve(event.input);
      return true;
    }
    this.buffered.push(event);
    return false;
  }

  /** How many waits are pending. */
  get waiting(): number {
    let count = 0;
    for (const queue of this.waiters.values()) count += queue.length;
    return count;
  }

  /** Events raised that no wait has taken, in arrival order. */
  unconsumed(): EventRaisedEvent[] {
    return [...this.buffered];
  }
}
