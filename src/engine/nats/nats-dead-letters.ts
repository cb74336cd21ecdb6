import { randomBytes } from 'node:crypto';
import type { JetStreamClient, JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import type { DeadLetter, DeadLetterQuery, DeadLetters } from '../dead-letters';
import { DeadLetterHeader } from './dead-letter-publishing';
import type { HubLayout } from './hub-layout';
import { toJetstateError } from './transport-errors';
import { decodeText } from './wire-codec';

const DEFAULT_LIMIT = 100;

/** The dead letters of a hub, in `<hub>_DLQ` (see {@link DeadLetters}). */
export class NatsDeadLetters implements DeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly layout: HubLayout,
  ) {}

  list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    return transported('listing dead letters', async () => {
      const limit = query.limit ?? DEFAULT_LIMIT;
      const out: DeadLetter[] = [];
      await this.scan(query.afterSeq ?? 0, query.subjectPrefix, (letter) => {
        out.push(letter);
        return out.length < limit;
      });
      return out;
    });
  }

  get(seq: number): Promise<DeadLetter | undefined> {
    return transported(`reading dead letter ${seq}`, () => this.letter(seq));
  }

  replay(target: number | { readonly all: true; readonly subjectPrefix?: string }): Promise<number> {
    return transported(typeof target === 'number' ? `replaying dead letter ${target}` : 'replaying dead letters', () => this.replayNow(target));
  }

  purge(query: { readonly subjectPrefix?: string } = {}): Promise<number> {
    return transported('purging dead letters', () => this.purgeNow(query));
  }

  private async letter(seq: number): Promise<DeadLetter | undefined> {
    const msg = await this.message(seq);
    return msg ? toDeadLetter(msg) : undefined;
  }

  private async replayNow(target: number | { readonly all: true; readonly subjectPrefix?: string }): Promise<number> {
    if (typeof target === 'number') {
      const letter = await this.letter(target);
      if (!letter) return 0;
      await this.republish(letter);
      return 1;
    }
    const letters: DeadLetter[] = [];
    await this.scan(0, target.subjectPrefix, (letter) => (letters.push(letter), true));
    for (const letter of letters) await this.republish(letter);
    return letters.length;
  }

  private async purgeNow(query: { readonly subjectPrefix?: string }): Promise<number> {
    if (query.subjectPrefix === undefined) return (await this.jsm.streams.purge(this.layout.deadLetterStream)).purged;
    const seqs: number[] = [];
    await this.scan(0, query.subjectPrefix, (letter) => (seqs.push(letter.seq), true));
    for (const seq of seqs) await this.jsm.streams.deleteMessage(this.layout.deadLetterStream, seq, false);
    return seqs.length;
  }

  /** A fresh message id: the original's id may still be in the work stream's duplicate window. */
  private async republish(letter: DeadLetter): Promise<void> {
    await this.js.publish(letter.originalSubject, new TextEncoder().encode(letter.body), { msgID: `replay:${letter.seq}:${randomBytes(6).toString('hex')}` });
    await this.jsm.streams.deleteMessage(this.layout.deadLetterStream, letter.seq, false);
  }

  /** Visits dead letters after `afterSeq` in order while `visit` returns true. */
  private async scan(afterSeq: number, subjectPrefix: string | undefined, visit: (letter: DeadLetter) => boolean): Promise<void> {
    const { state } = await this.jsm.streams.info(this.layout.deadLetterStream);
    for (let seq = Math.max(afterSeq + 1, state.first_seq); seq <= state.last_seq; seq++) {
      const msg = await this.message(seq);
      if (!msg) continue;
      const letter = toDeadLetter(msg);
      if (subjectPrefix !== undefined && !letter.originalSubject.startsWith(subjectPrefix)) continue;
      if (!visit(letter)) return;
    }
  }

  private async message(seq: number): Promise<StoredMsg | undefined> {
    return (await this.jsm.streams.getMessage(this.layout.deadLetterStream, { seq })) ?? undefined;
  }
}

/** Runs `work`, turning errors from the NATS client into jetstate errors that say what to do. */
async function transported<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toJetstateError(error, what);
  }
}

function toDeadLetter(msg: StoredMsg): DeadLetter {
  const originalSeq = Number(msg.header.get(DeadLetterHeader.Sequence));
  return {
    seq: msg.seq,
    reason: msg.header.get(DeadLetterHeader.Reason),
    originalSubject: msg.header.get(DeadLetterHeader.Subject),
    ...(Number.isInteger(originalSeq) && originalSeq > 0 ? { originalSeq } : {}),
    time: new Date(msg.time),
    body: decodeText(msg.data),
    activity: msg.subject.endsWith('.dlq.act'),
  };
}
