import { InvalidOptionsError } from '../../errors';
import type { EntityId } from '../../registry/entity-id';

const HUB_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const PLAIN_KEY_CHARACTER = /[A-Za-z0-9_-]/;

/**
 * Escapes an entity key into one valid subject token: letters, digits, '_' and '-' stay;
 * every other UTF-8 byte becomes `~XX` (hex), so the mapping is reversible and tokens
 * never contain '.', '*', '>' or white space.
 */
export function escapeKey(key: string): string {
  let out = '';
  for (const char of key) {
    if (PLAIN_KEY_CHARACTER.test(char)) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `~${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of {@link escapeKey}. */
export function unescapeKey(token: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '~') {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Names of everything a hub owns on a NATS server. Every name derives from the hub, so
 * several hubs share one server. The partition comes right after a fixed prefix, so one
 * filter (`<hub>.w.<p>.>`) covers a partition.
 *
 * | stream / bucket     | subjects                          | role |
 * |---------------------|-----------------------------------|------|
 * | `<hub>_WORK`        | `<hub>.w.<p>.<Name>.<key>`        | entity operations (work queue, one consumer per partition) |
 * | `<hub>_STATE`       | `<hub>.s.<p>.<Name>.<key>`        | entity snapshots, last one per subject |
 * | `<hub>_TIMERS`      | `<hub>.t.<p>.<message id>`        | scheduled messages, last one per subject, purged when fired |
 * | `<hub>_ACT`         | `<hub>.a.<activity name>`         | activity tasks (work queue, one consumer shared by all workers) |
 * | `<hub>_DLQ`         | `<hub>.dlq.<p>`, `<hub>.dlq.act`  | messages that could not be processed, with the reason |
 * | KV `<hub>_leases`   | `p<p>`                            | partition ownership |
 * | KV `<hub>_workers`  | worker id                         | live workers (heartbeats) |
 * | KV `<hub>_config`   | `partitions`                      | the hub's fixed partition count |
 * | core `<hub>.r.<client>` |                               | replies to calls |
 */
export class HubLayout {
  readonly workStream: string;
  readonly stateStream: string;
  readonly timerStream: string;
  readonly deadLetterStream: string;
  readonly activityStream: string;
  /** The durable consumer every worker pulls activity tasks from. */
  readonly activityConsumer = 'activities';
  readonly leaseBucket: string;
  readonly workerBucket: string;
  readonly configBucket: string;

  constructor(readonly hubName: string) {
    if (!HUB_PATTERN.test(hubName)) {
      throw new InvalidOptionsError(`hub must be 1-32 letters, digits, '_' or '-', got '${hubName}'.`);
    }
    this.workStream = `${hubName}_WORK`;
    this.stateStream = `${hubName}_STATE`;
    this.timerStream = `${hubName}_TIMERS`;
    this.deadLetterStream = `${hubName}_DLQ`;
    this.activityStream = `${hubName}_ACT`;
    this.leaseBucket = `${hubName}_leases`;
    this.workerBucket = `${hubName}_workers`;
    this.configBucket = `${hubName}_config`;
  }

  workSubject(partition: number, id: EntityId): string {
    return `${this.hubName}.w.${partition}.${id.name}.${escapeKey(id.key)}`;
  }

  workFilter(partition?: number): string {
    return partition === undefined ? `${this.hubName}.w.>` : `${this.hubName}.w.${partition}.>`;
  }

  stateSubject(partition: number, id: EntityId): string {
    return `${this.hubName}.s.${partition}.${id.name}.${escapeKey(id.key)}`;
  }

  /** All snapshots, or those of one entity name (any partition). */
  stateFilter(name?: string): string {
    return name === undefined ? `${this.hubName}.s.>` : `${this.hubName}.s.*.${name}.>`;
  }

  /** The entity a state subject belongs to. */
  entityOfStateSubject(subject: string): EntityId {
    const [, , , name, key] = subject.split('.');
    return { name: name!, key: unescapeKey(key!) };
  }

  timerSubject(partition: number, messageId: string): string {
    return `${this.hubName}.t.${partition}.${escapeKey(messageId)}`;
  }

  timerFilter(partition?: number): string {
    return partition === undefined ? `${this.hubName}.t.>` : `${this.hubName}.t.${partition}.>`;
  }

  activitySubject(activityName: string): string {
    return `${this.hubName}.a.${escapeKey(activityName)}`;
  }

  activityFilter(): string {
    return `${this.hubName}.a.>`;
  }

  deadLetterSubject(partition: number): string {
    return `${this.hubName}.dlq.${partition}`;
  }

  /** Where activity tasks that cannot be run are moved (same dead-letter stream). */
  activityDeadLetterSubject(): string {
    return `${this.hubName}.dlq.act`;
  }

  replySubject(clientId: string): string {
    return `${this.hubName}.r.${clientId}`;
  }

  leaseKey(partition: number): string {
    return `p${partition}`;
  }

  consumerName(partition: number): string {
    return `p${partition}`;
  }
}
