/** A message a worker could not decode or run, kept with the reason. */
export interface DeadLetter {
  /** Its position in the dead-letter store: the handle for {@link DeadLetters.get} and {@link DeadLetters.replay}. */
  readonly seq: number;
  /** Why it was set aside, e.g. `unknown entity 'Ghost'`. */
  readonly reason: string;
  /** Where it was headed: the subject to replay it to. */
  readonly originalSubject: string;
  /** Its position in the stream it came from, when known. */
  readonly originalSeq?: number;
  /** When it was set aside. */
  readonly time: Date;
  /** The message body as it was received (JSON text for well-formed messages). */
  readonly body: string;
  /** Whether it was an activity task (otherwise an entity or orchestration message). */
  readonly activity: boolean;
}

/** Which dead letters {@link DeadLetters.list} returns. */
export interface DeadLetterQuery {
  /** Only those headed to subjects starting with this. */
  readonly subjectPrefix?: string;
  /** Start after this position (paging: pass the last `seq` of the previous page). */
  readonly afterSeq?: number;
  /** Most to return. Default 100. */
  readonly limit?: number;
}

/**
 * The dead letters of a hub: list, inspect, replay and purge them. On NATS they live in
 * `<hub>_DLQ`; the embedded engine has none (its messages are built in-process).
 */
export interface DeadLetters {
  /** Dead letters in the order they were set aside. */
  list(query?: DeadLetterQuery): Promise<DeadLetter[]>;
  /** One dead letter, or undefined when there is none at `seq`. */
  get(seq: number): Promise<DeadLetter | undefined>;
  /**
   * Publishes dead letters again to their original subjects (with fresh message ids), then
   * removes them. Replay once a worker can run them (the entity is hosted, the code is
   * fixed). Resolves with how many were replayed.
   */
  replay(target: number | { readonly all: true; readonly subjectPrefix?: string }): Promise<number>;
  /** Removes every dead letter (or those of a subject prefix); resolves with how many. */
  purge(query?: { readonly subjectPrefix?: string }): Promise<number>;
}
