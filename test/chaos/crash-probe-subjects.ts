import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { JetStreamApiError, JsHeaders, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * The last-message-per-subject half of the server crash probe: three streams that each keep
 * (about) one message per subject, written with the same fenced, skewed load, and the
 * ledger of what the server acknowledged on each.
 */

/** One way of keeping the last message of each subject. */
export interface SubjectVariant {
  /** Short name used in the report. */
  readonly name: string;
  readonly stream: string;
  readonly prefix: string;
  readonly config: Partial<StreamConfig>;
  /** Whether each publish carries `Nats-Rollup: sub`, replacing the earlier messages of its subject. */
  readonly rollup: boolean;
}

export const SUBJECT_VARIANTS: readonly SubjectVariant[] = [
  // The limit a KV bucket with history 1 sets.
  { name: 'max_msgs_per_subject 1', stream: 'PROBE_MAX1', prefix: 'max1', config: { max_msgs_per_subject: 1 }, rollup: false },
  { name: 'max_msgs_per_subject 8', stream: 'PROBE_MAX8', prefix: 'max8', config: { max_msgs_per_subject: 8 }, rollup: false },
  // What `<hub>_STATE` and `<hub>_TIMERS` use.
  { name: 'rollup', stream: 'PROBE_ROLLUP', prefix: 'rollup', config: { allow_rollup_hdrs: true }, rollup: true },
];

const SUBJECTS = 1_024;
const WRITERS = 32;
const SUBJECTS_PER_WRITER = SUBJECTS / WRITERS;
/** Each writer sends this share of its writes to its few hot subjects, the rest to any of its subjects. */
const HOT_SHARE = 0.7;
const HOT_SUBJECTS = 3;
// About the size of a jetstate snapshot, so the streams fill several blocks and delete in old ones.
const PADDING = 'y'.repeat(2_000);
/** JetStream's error code for a publish whose `Nats-Expected-Last-Subject-Sequence` did not match. */
const WRONG_LAST_SEQUENCE = 10071;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A message of a subject: its stream sequence and the writer's counter it carries. */
interface Written {
  readonly seq: number;
  /** Undefined when only the sequence is known (a fence named it and the lookup failed). */
  readonly n: number | undefined;
}

/** What one check of a variant found, and what its fence saw since the previous check. */
export interface SubjectCounts {
  /** Subjects with an acknowledged message at the check (in totals, summed over the checks). */
  checked: number;
  /** Subjects whose last message is older than the last acknowledged one. */
  older: number;
  /** Subjects with an acknowledged message and no message at all. */
  none: number;
  /** Fenced writes rejected because the server's last message was older than the acknowledged one (or there was none): a regression seen at the fence. */
  fenceOlder: number;
  /** Fenced writes rejected because the server's last message was newer: a write stored whose acknowledgement was lost in the kill (benign). */
  fenceNewer: number;
  /** Fenced writes the server accepted on the older message it regressed to. */
  acceptedOnOlder: number;
}

export function emptyCounts(): SubjectCounts {
  return { checked: 0, older: 0, none: 0, fenceOlder: 0, fenceNewer: 0, acceptedOnOlder: 0 };
}

export function addCounts(total: SubjectCounts, more: SubjectCounts): void {
  for (const key of Object.keys(total) as (keyof SubjectCounts)[]) total[key] += more[key];
}

/** The probe's side of one variant: the last acknowledged message of each subject, and the fence's counts since the last check. */
export class SubjectLedger {
  private readonly acked = new Map<string, Written>();
  /** Subjects whose fence found an older message; the next accepted write is counted. */
  private readonly regressed = new Set<string>();
  private readonly fenceCounts = emptyCounts();
  /** Each writer's counter; it survives kills, so a subject's values grow over the whole run. */
  private readonly writerValues: number[] = [];

  constructor(readonly variant: SubjectVariant) {}

  private nextValue(writer: number): number {
    const n = (this.writerValues[writer] ?? 0) + 1;
    this.writerValues[writer] = n;
    return n;
  }

  private expectedSeq(subject: string): number {
    return this.acked.get(subject)?.seq ?? 0;
  }

  private accepted(subject: string, written: Written): void {
    this.acked.set(subject, written);
    if (this.regressed.delete(subject)) this.fenceCounts.acceptedOnOlder++;
  }

  /** Records a fence rejection and adopts the server's last message of the subject, as a fenced writer does. */
  private rejected(subject: string, serverSeq: number, serverLast: Written | undefined | 'unknown'): void {
    const ackedSeq = this.expectedSeq(subject);
    if (serverSeq < ackedSeq) {
      this.fenceCounts.fenceOlder++;
      this.regressed.add(subject);
    } else {
      this.fenceCounts.fenceNewer++;
    }
    this.adopt(subject, serverLast === 'unknown' ? (serverSeq === 0 ? undefined : { seq: serverSeq, n: undefined }) : serverLast);
  }

  /** Compares the server's last message of every acknowledged subject with the acknowledged one, then adopts the server's. */
  async check(jsm: JetStreamManager): Promise<SubjectCounts> {
    const counts: SubjectCounts = { ...this.fenceCounts, checked: this.acked.size };
    for (const [subject, acked] of [...this.acked]) {
      const found = await lastMessage(jsm, this.variant.stream, subject);
      if (found === undefined) counts.none++;
      else if (acked.n !== undefined && found.n !== undefined ? found.n < acked.n : found.seq < acked.seq) counts.older++;
      this.adopt(subject, found);
    }
    Object.assign(this.fenceCounts, emptyCounts());
    this.regressed.clear();
    return counts;
  }

  /**
   * Writes the variant until `stop` is set: each writer owns its subjects and writes each
   * one publish after the other, fenced on the sequence of the subject's last acknowledged
   * write, so the last acknowledged message of every subject is known.
   */
  write(js: JetStreamClient, jsm: JetStreamManager, stop: { now: boolean }): Promise<void> {
    const { variant } = this;
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      while (!stop.now) {
        const subject = pickSubject(variant, w);
        const n = this.nextValue(w);
        const expected = this.expectedSeq(subject);
        try {
          const h = publishHeaders(variant);
          const ack = await js.publish(subject, encoder.encode(`${n} ${PADDING}`), {
            ...(h && { headers: h }),
            expect: { lastSubjectSequence: expected },
            timeout: 2_000,
          });
          this.accepted(subject, { seq: ack.seq, n });
        } catch (error) {
          const serverSeq = fencedAt(error);
          if (serverSeq !== undefined) {
            const serverLast = await lastMessage(jsm, variant.stream, subject, 1).catch(() => 'unknown' as const);
            this.rejected(subject, serverSeq, serverLast);
          } else {
            await delay(50);
          }
        }
      }
    });
    return Promise.all(writers).then(() => undefined);
  }

  private adopt(subject: string, last: Written | undefined): void {
    if (last) this.acked.set(subject, last);
    else this.acked.delete(subject);
  }
}

export async function addSubjectStreams(jsm: JetStreamManager): Promise<void> {
  for (const variant of SUBJECT_VARIANTS) await jsm.streams.add({ name: variant.stream, subjects: [`${variant.prefix}.>`], ...variant.config });
}

/** The last message of `subject`, or undefined when the stream has none (other errors are tried again, up to `attempts` in all). */
async function lastMessage(jsm: JetStreamManager, stream: string, subject: string, attempts = 10): Promise<Written | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const msg = await jsm.streams.getMessage(stream, { last_by_subj: subject });
      return msg ? { seq: msg.seq, n: Number(decoder.decode(msg.data).split(' ')[0]) } : undefined;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await delay(200);
    }
  }
}

/** The sequence a wrong-last-sequence rejection names, or undefined for any other error. */
function fencedAt(error: unknown): number | undefined {
  if (!(error instanceof JetStreamApiError) || error.code !== WRONG_LAST_SEQUENCE) return undefined;
  const match = /(\d+)\s*$/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

function publishHeaders(variant: SubjectVariant): MsgHdrs | undefined {
  if (!variant.rollup) return undefined;
  const h = headers();
  h.set(JsHeaders.RollupHdr, JsHeaders.RollupValueSubject);
  return h;
}

function pickSubject(variant: SubjectVariant, writer: number): string {
  const k = Math.random() < HOT_SHARE ? Math.floor(Math.random() * HOT_SUBJECTS) : Math.floor(Math.random() * SUBJECTS_PER_WRITER);
  return `${variant.prefix}.${writer}.${k}`;
}
