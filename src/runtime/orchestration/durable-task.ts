import { InvalidOptionsError } from '../../errors';
import type { CancellableTask, Task, TaskWinner } from './orchestration-context';

type State = 'pending' | 'completed' | 'failed';

/**
 * Counts settlements process-wide. Only the relative order of one instance's tasks matters,
 * and that follows its history, so a shared counter is deterministic where it needs to be.
 */
let settlements = 0;

/**
 * The task behind every durable call. It is settled by the executor as history is
 * delivered; composites (`all`, `any`) listen synchronously, so they settle in the same
 * delivery. The promise behind `then` is made only when somebody awaits, so a failed task
 * nobody awaits never becomes an unhandled rejection.
 */
export class DurableTask<T> implements Task<T> {
  private state: State = 'pending';
  private value: T | undefined;
  private failure: Error | undefined;
  /** Settles with the task; carries no value, so a result that is itself a task is not unwrapped. */
  private promise: Promise<void> | undefined;
  private settle: { resolve(): void; reject(error: Error): void } | undefined;
  private listeners: (() => void)[] | undefined;
  /** Position of this task in the order tasks settled; -1 while pending. */
  settledOrder = -1;

  get isCompleted(): boolean {
    return this.state !== 'pending';
  }

  get isFaulted(): boolean {
    return this.state === 'failed';
  }

  get result(): T | undefined {
    return this.value;
  }

  get error(): Error | undefined {
    return this.failure;
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.asPromise().then(() => (onfulfilled ? handOut(this.value as T, onfulfilled) : (this.value as unknown as R1)), onrejected);
  }

  resolve(value: T): void {
    if (this.state !== 'pending') return;
    this.state = 'completed';
    this.value = value;
    this.settledOrder = ++settlements;
    this.settle?.resolve();
    this.notify();
  }

  reject(error: Error): void {
    if (this.state !== 'pending') return;
    this.state = 'failed';
    this.failure = error;
    this.settledOrder = ++settlements;
    this.settle?.reject(error);
    this.notify();
  }

  /** Calls `listener` synchronously when the task settles (at once if it already has). */
  onSettled(listener: () => void): void {
    if (this.state !== 'pending') listener();
    else (this.listeners ??= []).push(listener);
  }

  private asPromise(): Promise<void> {
    if (!this.promise) {
      if (this.state === 'completed') this.promise = Promise.resolve();
      else if (this.state === 'failed') this.promise = Promise.reject(this.failure);
      else this.promise = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    }
    return this.promise;
  }

  private notify(): void {
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) listener();
  }
}

/**
 * Passes a result to `fn`. A result that is a task (the winner of `any`) would be unwrapped
 * by the promise machinery, which reads `then` synchronously when it resolves; hiding the
 * task's `then` for that call lets `await ctx.any(...)` give back the task itself.
 */
function handOut<T, R>(value: T, fn: (value: T) => R): R {
  if (!(value instanceof DurableTask)) return fn(value);
  Object.defineProperty(value, 'then', { value: undefined, configurable: true, writable: true });
  try {
    return fn(value);
  } finally {
    delete (value as { then?: unknown }).then;
  }
}

/** A task that can be canceled: it then never settles, and `onCancel` lets its owner forget it. */
export class CancellableDurableTask<T> extends DurableTask<T> implements CancellableTask<T> {
  private canceled = false;

  constructor(private readonly onCancel: () => void) {
    super();
  }

  get isCanceled(): boolean {
    return this.canceled;
  }

  cancel(): void {
    if (this.isCompleted || this.canceled) return;
    this.canceled = true;
    this.onCancel();
  }

  override resolve(value: T): void {
    if (!this.canceled) super.resolve(value);
  }

  override reject(error: Error): void {
    if (!this.canceled) super.reject(error);
  }
}

/** Completes with all results in order; fails with the first failure (in history order). */
export function whenAll(tasks: readonly Task<unknown>[]): DurableTask<unknown[]> {
  const all = new DurableTask<unknown[]>();
  const durable = tasks.map((task) => asDurable(task, 'all'));
  let remaining = durable.length;
  if (remaining === 0) all.resolve([]);
  // Already-settled inputs are taken in the order they settled, so the first failure wins.
  for (const task of [...durable].sort(bySettlement)) {
    task.onSettled(() => {
      if (task.isFaulted) all.reject(task.error!);
      else if (--remaining === 0) all.resolve(durable.map((t) => t.result));
    });
  }
  return all;
}

/** Completes with the first task to settle, in history order. */
export function whenAny<T extends Task<unknown>>(tasks: readonly T[]): DurableTask<TaskWinner<T>> {
  if (tasks.length === 0) {
    throw new InvalidOptionsError('any() needs at least one task: with none, it would never complete.');
  }
  const any = new DurableTask<TaskWinner<T>>();
  const durable = tasks.map((task) => asDurable(task, 'any'));
  for (const task of [...durable].sort(bySettlement)) {
    task.onSettled(() => any.resolve(task as unknown as TaskWinner<T>));
  }
  return any;
}

/** Pending tasks last (stable among themselves), settled ones in the order they settled. */
function bySettlement(a: DurableTask<unknown>, b: DurableTask<unknown>): number {
  const x = a.settledOrder < 0 ? Number.MAX_SAFE_INTEGER : a.settledOrder;
  const y = b.settledOrder < 0 ? Number.MAX_SAFE_INTEGER : b.settledOrder;
  return x - y;
}

function asDurable(task: Task<unknown>, what: string): DurableTask<unknown> {
  if (task instanceof DurableTask) return task;
  throw new InvalidOptionsError(
    `${what}() takes tasks from the orchestration context (callActivity, createTimer, waitForExternalEvent, ...), got ${task === null ? 'null' : typeof task}. ` +
      `Plain promises are not durable: their results are not in the history.`,
  );
}
