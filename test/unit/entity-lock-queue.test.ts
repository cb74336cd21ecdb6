import { describe, expect, test } from 'vitest';
import { EntityLockQueue } from '../../src/runtime/entity-lock-queue';
import { LOCK_OPERATION, type LockRequest } from '../../src/runtime/entity-locks';
import type { OperationMessage } from '../../src/runtime/messages';

const c1 = { name: 'Counter', key: 'c1' };
const c2 = { name: 'Counter', key: 'c2' };
const instance = { name: '$orchestration', key: 'A' };

const lockRequest = (owner: string, index = 0): LockRequest => ({
  owner,
  entities: [c1, c2],
  index,
  grant: { target: instance, operation: 'deliver', input: { granted: owner } },
});
const lockMessage = (owner: string, index = 0): OperationMessage => ({
  id: `lock-${owner}`,
  target: index === 0 ? c1 : c2,
  operation: LOCK_OPERATION,
  kind: 'signal',
  input: lockRequest(owner, index),
});
let ids = 0;
const operation = (lockOwner?: string): OperationMessage => ({
  id: `m${++ids}`,
  target: c1,
  operation: 'add',
  kind: 'signal',
  input: 1,
  ...(lockOwner === undefined ? {} : { lockOwner }),
});

describe('EntityLockQueue', () => {
  test('a free lock is taken by a request, which travels on to the next entity of the section', () => {
    const locks = new EntityLockQueue(undefined);
    const next = locks.request(lockMessage('A'), lockRequest('A'));
    expect(next).toMatchObject({ id: 'lock-A>lock', target: c2, operation: LOCK_OPERATION, input: { owner: 'A', index: 1 } });
    expect(locks.current).toEqual({ owner: 'A', queue: [] });
    expect(locks.isHeld).toBe(true);
    expect(locks.changed).toBe(true);
  });

  test('the request that locks the last entity of the section sends the grant', () => {
    const locks = new EntityLockQueue(undefined);
    const next = locks.request(lockMessage('A', 1), lockRequest('A', 1));
    expect(next).toEqual({ id: 'lock-A>granted', target: instance, operation: 'deliver', kind: 'signal', input: { granted: 'A' } });
  });

  test("the owner's own request again keeps the lock and its queue", () => {
    const waiting = operation();
    const locks = new EntityLockQueue({ owner: 'A', queue: [waiting] });
    expect(locks.request(lockMessage('A'), lockRequest('A'))).toBeDefined();
    expect(locks.current).toEqual({ owner: 'A', queue: [waiting] });
  });

  test("another section's request waits in the queue and sends nothing", () => {
    const locks = new EntityLockQueue({ owner: 'A', queue: [] });
    const second = lockMessage('B');
    expect(locks.request(second, lockRequest('B'))).toBeUndefined();
    expect(locks.current).toEqual({ owner: 'A', queue: [second] });
  });

  test("while held, the owner's messages pass and the others are held back in arrival order", () => {
    const locks = new EntityLockQueue({ owner: 'A', queue: [] });
    const first = operation();
    const own = operation('A');
    const foreign = operation('B');
    expect(locks.holdBack(first)).toBe(true);
    expect(locks.holdBack(own)).toBe(false);
    expect(locks.holdBack(foreign)).toBe(true);
    expect(locks.current?.queue).toEqual([first, foreign]);
  });

  test('a free entity holds nothing back', () => {
    const locks = new EntityLockQueue(undefined);
    expect(locks.holdBack(operation('A'))).toBe(false);
    expect(locks.current).toBeUndefined();
    expect(locks.changed).toBe(false);
  });

  test("the owner's unlock frees the lock and hands back the waiting messages, marked as waiting", () => {
    const waiting = [operation(), operation()];
    const later = operation();
    const locks = new EntityLockQueue({ owner: 'A', queue: waiting });
    expect(locks.release({ owner: 'A' })).toEqual(waiting);
    expect(locks.current).toBeUndefined();
    expect(locks.isHeld).toBe(false);
    expect(locks.changed).toBe(true);
    expect(waiting.map((m) => locks.wasWaiting(m))).toEqual([true, true]);
    expect(locks.wasWaiting(later)).toBe(false);
  });

  test("someone else's unlock, or one without an owner, changes nothing", () => {
    const committed = { owner: 'A', queue: [operation()] };
    const locks = new EntityLockQueue(committed);
    expect(locks.release({ owner: 'B' })).toEqual([]);
    expect(locks.release(undefined)).toEqual([]);
    expect(locks.current).toBe(committed);
    expect(locks.changed).toBe(false);
  });

  test('an unlock of a free entity changes nothing', () => {
    const locks = new EntityLockQueue(undefined);
    expect(locks.release({ owner: 'A' })).toEqual([]);
    expect(locks.changed).toBe(false);
  });

  test('a waiting request handed back by an unlock takes the lock for its section, with the messages still queued behind it', () => {
    const second = lockMessage('B');
    const behind = operation();
    const locks = new EntityLockQueue({ owner: 'A', queue: [second] });
    const released = locks.release({ owner: 'A' });
    expect(released).toEqual([second]);
    expect(locks.holdBack(behind)).toBe(false);
    expect(locks.request(second, lockRequest('B'))).toMatchObject({ target: c2, input: { owner: 'B', index: 1 } });
    expect(locks.holdBack(behind)).toBe(true);
    expect(locks.current).toEqual({ owner: 'B', queue: [behind] });
  });

  test('taking and releasing a lock within one batch leaves nothing to store', () => {
    const locks = new EntityLockQueue(undefined);
    locks.request(lockMessage('A'), lockRequest('A'));
    locks.release({ owner: 'A' });
    expect(locks.changed).toBe(false);
  });
});
