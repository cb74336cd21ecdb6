import type { Consumer, JetStreamClient, OrderedConsumerOptions } from '@nats-io/jetstream';
import { TransportError } from '../../errors';
import { isRequestTimeout } from './transport-errors';

/** How long one try to create an ordered consumer on a replicated stream may take. */
export const ORDERED_CONSUMER_ATTEMPT_MS = 2_000;

/**
 * Opens an ordered consumer, creating it again while the create request times out, until
 * `deadlineMs` has passed.
 *
 * nats-server before 2.9.12 places a consumer with fewer replicas than its stream on peers
 * picked at random among the stream's, a server that is down included (fixed upstream in
 * nats-server pull request 3820), and a create placed there is never answered. An ordered
 * consumer has one replica, so with one server of three down about one create in three
 * hangs. `js` must time its requests out after {@link ORDERED_CONSUMER_ATTEMPT_MS} on a
 * replicated hub: each try is then short, and the next one is placed afresh.
 */
export async function openOrderedConsumer(
  js: JetStreamClient,
  stream: string,
  options: Partial<OrderedConsumerOptions>,
  deadlineMs: number,
): Promise<Consumer> {
  const giveUpAt = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      // A copy each time: nats.js writes the consumer's name into the options it is given,
      // and a create under the name of a consumer placed on a dead server hangs again.
      return await js.consumers.get(stream, { ...options });
    } catch (error) {
      if (!isRequestTimeout(error) || Date.now() >= giveUpAt) {
        if (attempt === 1) throw error;
        throw new TransportError(`Opening an ordered consumer on ${stream} failed after ${attempt} tries: ${(error as Error).message}`, { cause: error });
      }
    }
  }
}
