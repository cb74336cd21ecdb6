import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { JsHeaders } from '@nats-io/jetstream';

/**
 * Headers that make a publish replace every earlier message of its subject (a subject
 * rollup). The hub's last-message-per-subject streams (`<hub>_STATE`, `<hub>_TIMERS`) keep
 * one message per subject this way instead of with `max_msgs_per_subject`, which
 * nats-server 2.9 can enforce on a stale index when it restarts after a SIGKILL, dropping
 * a subject's newest message and keeping an older one.
 */
export function rollupHeaders(extra: Readonly<Record<string, string>> = {}): MsgHdrs {
  const h = headers();
  h.set(JsHeaders.RollupHdr, JsHeaders.RollupValueSubject);
  for (const [name, value] of Object.entries(extra)) h.set(name, value);
  return h;
}
