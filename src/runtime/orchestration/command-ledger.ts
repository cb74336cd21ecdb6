import { NonDeterminismError } from '../../errors';
import { commandName, describeCommand } from './history-event-kinds';
import type { CommandEvent, LocksReleasedEvent, PatchAppliedEvent } from './history-events';

/** Receives the commands (and patch markers) of a live turn. */
export type CommandRecorder = (event: CommandEvent | LocksReleasedEvent | PatchAppliedEvent) => void;

/**
 * Hands out steps (sequence numbers) to durable calls and checks them against history.
 * While replaying, each command must equal the one recorded at its step (same kind and
 * name) and a call history does not record (`newGuid`, `waitForExternalEvent`) must find
 * nothing recorded there; the first difference is kept as a {@link NonDeterminismError}.
 * Once live, commands go to the turn's recorder.
 */
export class CommandLedger {
  private next = 0;
  private readonly claimed = new Set<number>();
  private readonly releasesRepeated = new Set<number>();
  /** The first difference found between code and history. */
  failure: NonDeterminismError | undefined;
  replaying = false;
  /** Where live commands go; set for the length of a turn. */
  recorder: CommandRecorder | undefined;

  constructor(
    /** The instance, for error messages. */
    private readonly owner: { readonly instanceId: string; readonly name: string },
    private readonly recorded: ReadonlyMap<number, CommandEvent>,
    private readonly recordedReleases: ReadonlySet<number>,
    /** The patches the history has markers of. */
    private readonly patches: Set<string> = new Set(),
  ) {}

  /** The step the next durable call will take. */
  get nextStep(): number {
    return this.next;
  }

  /** Takes a step for a call history does not record; undefined when history has a command there. */
  takeUnrecorded(found: string): number | undefined {
    const step = this.next++;
    const recorded = this.replaying ? this.recorded.get(step) : undefined;
    if (recorded) {
      this.fail(step, describeCommand(recorded), found);
      return undefined;
    }
    return step;
  }

  /**
   * Records the command `build` makes for the next step, or on replay checks that history
   * has the same command there. Returns the command as recorded, or undefined on a mismatch.
   */
  issue<E extends CommandEvent>(build: (step: number) => E): E | undefined {
    const step = this.next++;
    const event = build(step);
    if (!this.replaying) {
      this.emit(event);
      return event;
    }
    const recorded = this.recorded.get(step);
    if (!recorded || recorded.kind !== event.kind || commandName(recorded) !== commandName(event)) {
      this.fail(step, recorded ? describeCommand(recorded) : 'no durable call', describeCommand(event));
      return undefined;
    }
    this.claimed.add(step);
    // The recorded command wins: a timer keeps the fire time it was created with.
    return recorded as E;
  }

  /**
   * Whether the execution takes the new branch of change `patchId`: yes if its history has
   * the marker; no while replaying a history without it (recorded by older code); and yes,
   * recording the marker, when running live. `deprecated` records the marker live but never
   * branches (the old code is gone).
   */
  patch(patchId: string): boolean {
    if (this.patches.has(patchId)) return true;
    if (this.replaying) return false;
    this.patches.add(patchId);
    this.emit({ kind: 'PatchApplied', patchId });
    return true;
  }

  /** Records the release of a lock request's entities; false on a mismatch with history. */
  release(event: LocksReleasedEvent): boolean {
    if (!this.replaying) {
      this.emit(event);
      return true;
    }
    if (!this.recordedReleases.has(event.seq)) {
      this.fail(event.seq, 'its locks still held', 'LocksReleased (the critical section ended)');
      return false;
    }
    this.releasesRepeated.add(event.seq);
    return true;
  }

  /**
   * Called once replay has delivered all of history: every recorded command must have been
   * made again, and every recorded release repeated except `endReleases` (those the
   * executor made when the execution ended, not the code).
   */
  checkAllRepeated(endReleases: ReadonlySet<number> = new Set()): NonDeterminismError | undefined {
    if (this.failure) return this.failure;
    const missing = [...this.recorded.values()].filter((event) => !this.claimed.has(event.seq)).sort((a, b) => a.seq - b.seq)[0];
    if (missing) this.fail(missing.seq, describeCommand(missing), 'no such call');
    else {
      const release = [...this.recordedReleases].filter((step) => !this.releasesRepeated.has(step) && !endReleases.has(step)).sort((a, b) => a - b)[0];
      if (release !== undefined) this.fail(release, 'LocksReleased (the critical section ended)', 'its locks still held');
    }
    return this.failure;
  }

  /** Records a mismatch found outside the ledger (for example, `run` returned during replay). */
  fail(step: number, expected: string, found: string): void {
    this.failure ??= new NonDeterminismError(this.owner.instanceId, this.owner.name, step, expected, found);
  }

  private emit(event: CommandEvent | LocksReleasedEvent | PatchAppliedEvent): void {
    if (!this.recorder) throw new Error(`internal: ${event.kind} recorded outside a turn`);
    this.recorder(event);
  }
}
