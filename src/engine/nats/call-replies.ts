import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { ErrorCode } from '../../errors';
import type { BatchOutcome } from '../../runtime/entity-executor';
import type { OperationMessage, OperationReply } from '../../runtime/messages';
import type { Delivery } from '../partition-worker';
import { decodeText, encodeJson } from './wire-codec';

/**
 * Answers calls on their reply subjects (core NATS, not stored). A reply that cannot be
 * sent is logged, never thrown into a partition's loop: its caller times out.
 */
export class CallReplies {
  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  /** Answers the calls among a batch's deliveries, and those released from entity locks (calls of earlier batches). */
  answer(batch: readonly Delivery<unknown>[], outcome: BatchOutcome, released: readonly OperationMessage[]): void {
    const replies = new Map(outcome.replies.map((r) => [r.id, r]));
    const answerOne = (message: OperationMessage): void => {
      const reply = replies.get(message.id);
      if (reply && message.replyTo) this.send(message.replyTo, reply);
    };
    for (const { message } of batch) answerOne(message);
    for (const message of released) answerOne(message);
  }

  /** A dead-lettered message that was a call still gets an answer, so its caller does not wait for its timeout. */
  reject(data: Uint8Array, reason: string): void {
    let call: { id?: unknown; replyTo?: unknown };
    try {
      call = JSON.parse(decodeText(data)) as { id?: unknown; replyTo?: unknown };
    } catch {
      return;
    }
    if (typeof call?.id !== 'string' || typeof call.replyTo !== 'string') return;
    this.send(call.replyTo, {
      id: call.id,
      ok: false,
      error: {
        name: 'MessageRejected',
        message: `The worker could not run this message (${reason}); it is in the dead-letter stream.`,
        code: ErrorCode.MessageRejected,
      },
    });
  }

  private send(to: string, reply: OperationReply): void {
    try {
      this.nc.publish(to, encodeJson(reply));
    } catch (error) {
      this.logger.error({ err: error, call: reply.id }, 'could not send the reply to a call');
    }
  }
}
