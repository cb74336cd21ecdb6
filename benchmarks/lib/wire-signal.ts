import { partitionOf } from '../../src/internal';
import { HubLayout } from '../../src/engine/nats/hub-layout';
import { encodeJson } from '../../src/engine/nats/wire-codec';

/**
 * One `add(1)` signal to `Counter/<key>` exactly as a client-only process puts it on the
 * wire: `DurableClient` builds `{ id, target, operation, kind, input, scheduledTime, seq }`
 * (the undefined fields vanish in JSON), `NatsEngine.publish` encodes it with the same
 * `encodeJson` to `<hub>.w.<partition>.Counter.<key>` with `Nats-Msg-Id` = the message id.
 */
export interface WireSignal {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgID: string;
}

export function wireSignal(layout: HubLayout, partitionCount: number, clientId: string, seq: number, key: string): WireSignal {
  const target = { name: 'Counter', key };
  const id = `${clientId}.${seq}`;
  const message = { id, target, operation: 'add', kind: 'signal', input: 1, scheduledTime: undefined, seq: undefined };
  return { subject: layout.workSubject(partitionOf(target, partitionCount), target), data: encodeJson(message), msgID: id };
}

export { HubLayout };
