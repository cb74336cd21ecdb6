import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { DeliverPolicy, JsHeaders, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { PayloadTooLargeError } from '../../errors';
import type { EntityId } from '../../registry/entity-id';
import { isActivityTask } from '../../runtime/activity-tasks';
import type { EntitySnapshot, OperationMessage } from '../../runtime/messages';
import { decodeSnapshot } from '../../runtime/snapshot-codec';
import { partitionOf } from '../partitioner';
import type { HubConnection } from './hub-connection';
import type { HubLayout } from './hub-layout';
import { openOrderedConsumer } from './ordered-consumers';
import { decodeText, encodeJson } from './wire-codec';

/** Marks a snapshot whose state did not change (only `lastAppliedSeq` moved): watchers skip it. */
export const UNCHANGED_HEADER = 'Jetstate-Unchanged';

const ENCODER = new TextEncoder();

/**
 * Headers that make a publish replace every earlier message of its subject. `<hub>_STATE`
 * and `<hub>_TIMERS` keep one message per subject this way, and every write to them goes
 * through this class, instead of with `max_msgs_per_subject`, which nats-server 2.9 can
 * enforce on a stale index when it restarts after a SIGKILL, dropping a subject's newest
 * message and keeping an older one (docs/nats.md, "Why rollups").
 */
function rollupHeaders(): MsgHdrs {
  const h = headers();
  h.set(JsHeaders.RollupHdr, JsHeaders.RollupValueSubject);
  return h;
}

/** Room for the headers of a published message. */
const HEADER_BYTES = 256;

/** Publishing to and reading from a hub's streams: what workers and clients both do. */
export class HubClient {
  private readonly js: JetStreamClient;
  private readonly orderedJs: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly openTimeoutMs: number;
  private readonly layout: HubLayout;
  private readonly partitionCount: number;
  private readonly maxPayload: number;

  constructor(connection: HubConnection) {
    this.js = connection.js;
    this.orderedJs = connection.orderedJs;
    this.jsm = connection.jsm;
    this.openTimeoutMs = connection.startStepMs;
    this.layout = connection.layout;
    this.partitionCount = connection.partitionCount;
    this.maxPayload = connection.maxPayload;
  }

  /** Publishes to the work stream now, or to the timer stream when it is scheduled for later. */
  send(message: OperationMessage, now: number): Promise<void> {
    return message.scheduledTime !== undefined && message.scheduledTime > now ? this.publishTimer(message) : this.publishWork(message);
  }

  async publishWork(message: OperationMessage): Promise<void> {
    if (isActivityTask(message)) {
      await this.publish(this.layout.activitySubject(message.operation), message, message.id);
      return;
    }
    const partition = partitionOf(message.target, this.partitionCount);
    await this.publish(this.layout.workSubject(partition, message.target), message, message.id);
  }

  async publishTimer(message: OperationMessage): Promise<void> {
    const partition = partitionOf(message.target, this.partitionCount);
    await this.publish(this.layout.timerSubject(partition, message.id), message, `t:${message.id}`, rollupHeaders());
  }

  /**
   * Stores an entity's snapshot, replacing its earlier ones, if the entity's last snapshot is
   * still at `fence` (its `<hub>_STATE` sequence, 0 for none); returns the new sequence.
   */
  async publishSnapshot(partition: number, id: EntityId, encoded: string, options: { fence: number; unchanged: boolean }): Promise<number> {
    const h = rollupHeaders();
    if (options.unchanged) h.set(UNCHANGED_HEADER, '1');
    const ack = await this.js.publish(this.layout.stateSubject(partition, id), ENCODER.encode(encoded), {
      expect: { lastSubjectSequence: options.fence },
      headers: h,
    });
    return ack.seq;
  }

  private async publish(subject: string, message: OperationMessage, msgID: string, headers?: MsgHdrs): Promise<void> {
    const data = encodeJson(message);
    // Headers (the message id) count against max_payload too.
    if (data.length + HEADER_BYTES > this.maxPayload) {
      throw new PayloadTooLargeError(data.length, this.maxPayload, `The message for ${message.target.name}/${message.target.key}.${message.operation}`);
    }
    await this.js.publish(subject, data, { msgID, ...(headers ? { headers } : {}) });
  }

  async fetchSnapshot(id: EntityId): Promise<{ snapshot: EntitySnapshot; streamSeq: number } | undefined> {
    const subject = this.layout.stateSubject(partitionOf(id, this.partitionCount), id);
    const msg = await this.jsm.streams.getMessage(this.layout.stateStream, { last_by_subj: subject });
    return msg ? { snapshot: decodeSnapshot(id, decodeText(msg.data)), streamSeq: msg.seq } : undefined;
  }

  /** Every message of a filter as of now (an ordered consumer read to the end). */
  async readAll(stream: string, filter: string, policy: DeliverPolicy): Promise<JsMsg[]> {
    const out: JsMsg[] = [];
    const info = await this.jsm.streams.info(stream, { subjects_filter: filter });
    if (Object.keys(info.state.subjects ?? {}).length === 0) return out;
    const consumer = await openOrderedConsumer(this.orderedJs, stream, { filter_subjects: filter, deliver_policy: policy }, this.openTimeoutMs);
    const messages = await consumer.consume();
    for await (const msg of messages) {
      out.push(msg);
      if (msg.info.pending === 0) break;
    }
    messages.stop();
    return out;
  }
}
