import type { MergeLookup } from './signal-folding';
import { isFoldableSignal, signalCount, tryMerge } from './signal-folding';
import type { OperationMessage } from './messages';

/**
 * The apply loop's part of folding: which messages may start a run merged into one
 * operation, and the message that stands for a run. Mergeable operations seen sending
 * signals are not folded here: what a folded run sends would depend on where a batch was
 * cut, and a batch run again after a crash must send the same signals under the same
 * numbers (its outbox is folded instead, which keeps each signal's number).
 */
export class ApplyFolding {
  private readonly sendingOperations = new Set<string>();

  constructor(private readonly mergeOf: MergeLookup) {}

  /** The merge a run starting with `message` may use, or undefined when it must run alone. */
  mergeFor(message: OperationMessage, locked: boolean): ((a: unknown, b: unknown) => unknown) | undefined {
    if (locked || !isFoldableSignal(message) || (this.sendingOperations.size > 0 && this.sendingOperations.has(operationKey(message)))) return undefined;
    return this.mergeOf(message.target.name, message.operation);
  }

  /** One message standing for a run of signals, or undefined when `merge` throws on their inputs. */
  fold(run: readonly OperationMessage[], merge: (a: unknown, b: unknown) => unknown): OperationMessage | undefined {
    let input = run[0]!.input;
    let count = signalCount(run[0]!);
    for (let i = 1; i < run.length; i++) {
      const merged = tryMerge(merge, input, run[i]!.input);
      if (!merged) return undefined;
      input = merged.value;
      count += signalCount(run[i]!);
    }
    return { ...run[0]!, input, merged: { count } };
  }

  /** Records that a folded run of this operation sent signals: it is not folded again. */
  sends(folded: OperationMessage): void {
    this.sendingOperations.add(operationKey(folded));
  }
}

function operationKey(message: OperationMessage): string {
  return `${message.target.name}.${message.operation}`;
}
