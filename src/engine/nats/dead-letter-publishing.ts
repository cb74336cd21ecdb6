import { headers } from '@nats-io/transport-node';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';

/** The headers a dead letter carries next to the original bytes. */
export const DeadLetterHeader = {
  /** Why the message could not be processed. */
  Reason: 'Jetstate-Reason',
  /** The subject it was published to (a replay publishes it there again). */
  Subject: 'Jetstate-Subject',
  /** Its sequence in the stream it came from. */
  Sequence: 'Jetstate-Sequence',
} as const;

/**
 * Publishes `msg` to the dead-letter `subject` with the reason and where it came from. The
 * message id (`dlq:<source>:<sequence>`) makes a second attempt for the same delivery (a
 * redelivery after a failure in between) store nothing new.
 */
export async function publishDeadLetter(js: JetStreamClient, subject: string, source: string, msg: JsMsg, reason: string): Promise<void> {
  const h = headers();
  h.set(DeadLetterHeader.Reason, reason);
  h.set(DeadLetterHeader.Subject, msg.subject);
  h.set(DeadLetterHeader.Sequence, String(msg.seq));
  await js.publish(subject, msg.data, { headers: h, msgID: `dlq:${source}:${msg.seq}` });
}
