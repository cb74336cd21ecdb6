import { connect, headers, type MsgHdrs } from '@nats-io/transport-node';
import { DeliverPolicy, JsHeaders, jetstream, jetstreamManager, type JetStreamClient, type StreamConfig } from '@nats-io/jetstream';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { NatsServer } from '../../tools/nats-server';

/**
 * The server crash probe's `--block-order` mode: one subject laid out by hand across two
 * block files, then one SIGKILL, so the cause its rounds point at is shown on its own.
 * docs/nats.md ("Measured: what a SIGKILL of nats-server 2.9.10 loses") explains it.
 *
 * The stream gets 32 KB blocks (what the server picks for `max_bytes: 100000`). Subject
 * `a` is written once in block `oldBlock`, next to a message that keeps that block, and
 * again in block `newBlock`; just before, a delete in `oldBlock` writes that block's index,
 * so the delete of the old `a` (less than 0.5 s later) is not in it when the kill comes.
 */
export interface BlockOrderCase {
  readonly oldBlock: number;
  readonly newBlock: number;
  readonly rollup: boolean;
}

export const BLOCK_ORDER_CASES: readonly BlockOrderCase[] = [
  // `10.blk` is read before `2.blk`.
  { oldBlock: 2, newBlock: 10, rollup: false },
  // Names in the same order as numbers.
  { oldBlock: 2, newBlock: 9, rollup: false },
  { oldBlock: 1, newBlock: 10, rollup: false },
  { oldBlock: 2, newBlock: 10, rollup: true },
];

export interface BlockOrderResult extends BlockOrderCase {
  readonly oldSeq: number;
  readonly newSeq: number;
  /** The highest block file when the old and when the new `a` were acknowledged (the blocks they went to). */
  readonly blocksSeen: readonly [number, number];
  /** The sequence of `a`'s last message after the SIGKILL, 0 for none. */
  readonly afterKill: number;
  /** The sequence a consumer delivering the last message of each subject of the stream delivered for `a` after the SIGKILL, 0 for none. */
  readonly lastPerSubjectConsumer: number;
  /** What a write fenced on `newSeq` got right after the restart. */
  readonly fence: string;
  /** The sequence of `a`'s last message after a further, clean restart, 0 for none. */
  readonly afterCleanRestart: number;
}

const STREAM = 'PROBE_BLOCK_ORDER';
const PADDING = new TextEncoder().encode('z'.repeat(2_000));

async function highestBlock(server: NatsServer): Promise<number> {
  const files = await readdir(join(server.storeDir, 'jetstream', '$G', 'streams', STREAM, 'msgs'));
  return Math.max(0, ...files.filter((file) => file.endsWith('.blk')).map((file) => Number.parseInt(file, 10)));
}

async function lastSeqOfA(server: NatsServer): Promise<number> {
  const nc = await connect({ servers: server.url });
  try {
    const msg = await (await jetstreamManager(nc)).streams.getMessage(STREAM, { last_by_subj: `${STREAM}.a` });
    return msg?.seq ?? 0;
  } finally {
    await nc.close();
  }
}

/** What a consumer delivering the last message of each subject of the stream delivers for `a` (the stream always has other subjects). */
async function lastPerSubjectOfA(js: JetStreamClient): Promise<number> {
  const consumer = await js.consumers.get(STREAM, { deliver_policy: DeliverPolicy.LastPerSubject });
  const messages = await consumer.consume();
  let seq = 0;
  for await (const msg of messages) {
    if (msg.subject === `${STREAM}.a`) seq = msg.seq;
    if (msg.info.pending === 0) break;
  }
  messages.stop();
  return seq;
}

/** Runs one case on a fresh stream of `server`, which must be running; deletes the stream afterwards. */
export async function runBlockOrderCase(server: NatsServer, layout: BlockOrderCase): Promise<BlockOrderResult> {
  const config: Partial<StreamConfig> = layout.rollup ? { allow_rollup_hdrs: true } : { max_msgs_per_subject: 1 };
  let nc = await connect({ servers: server.url });
  await (await jetstreamManager(nc)).streams.add({ name: STREAM, subjects: [`${STREAM}.>`], max_bytes: 100_000, ...config });
  const js = jetstream(nc);
  const rollup = (): { headers?: MsgHdrs } => {
    if (!layout.rollup) return {};
    const h = headers();
    h.set(JsHeaders.RollupHdr, JsHeaders.RollupValueSubject);
    return { headers: h };
  };
  const publish = (name: string): ReturnType<JetStreamClient['publish']> => js.publish(`${STREAM}.${name}`, PADDING, rollup());
  const fillTo = async (block: number): Promise<void> => {
    while ((await highestBlock(server)) < block) await publish('filler');
  };
  await fillTo(layout.oldBlock);
  await publish('keep');
  await publish('trigger');
  const oldSeq = (await publish('a')).seq;
  const oldBlockSeen = await highestBlock(server);
  await fillTo(layout.newBlock);
  // Long enough for every earlier index write, so the next delete in the old block writes its index again.
  await delay(3_000);
  await publish('trigger');
  const newSeq = (await publish('a')).seq;
  const newBlockSeen = await highestBlock(server);
  await server.kill();
  await nc.close().catch(() => undefined);
  await server.start();
  const afterKill = await lastSeqOfA(server);
  nc = await connect({ servers: server.url });
  const lastPerSubjectConsumer = await lastPerSubjectOfA(jetstream(nc));
  const fence = await jetstream(nc)
    .publish(`${STREAM}.a`, PADDING, { ...rollup(), expect: { lastSubjectSequence: newSeq } })
    .then(
      (ack) => `accepted (seq ${ack.seq})`,
      (error: unknown) => `rejected: ${(error as Error).message}`,
    );
  await nc.close();
  await server.stop();
  await server.start();
  const afterCleanRestart = await lastSeqOfA(server);
  nc = await connect({ servers: server.url });
  await (await jetstreamManager(nc)).streams.delete(STREAM);
  await nc.close();
  return { ...layout, oldSeq, newSeq, blocksSeen: [oldBlockSeen, newBlockSeen], afterKill, lastPerSubjectConsumer, fence, afterCleanRestart };
}

/** True when `a` served its newest message after the kill. */
export function keptNewest(result: BlockOrderResult): boolean {
  return result.afterKill === result.newSeq;
}

export function blockOrderLine(r: BlockOrderResult): string {
  const seq = (n: number): string => (n === 0 ? 'none' : `seq ${n}`);
  return (
    `${r.rollup ? 'rollup' : 'max_msgs_per_subject 1'}: a at seq ${r.oldSeq} in block ${r.blocksSeen[0]}, again at seq ${r.newSeq} in block ${r.blocksSeen[1]}` +
    ` | after the SIGKILL: ${seq(r.afterKill)} (a last-per-subject consumer: ${seq(r.lastPerSubjectConsumer)}); a write fenced on seq ${r.newSeq}: ${r.fence}; after a clean restart: ${seq(r.afterCleanRestart)}`
  );
}
