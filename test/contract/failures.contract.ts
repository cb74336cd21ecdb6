import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  AppStoppedError,
  DefinitionError,
  Entity,
  ErrorCode,
  InvalidEntityIdError,
  JetstateError,
  MAX_ENTITY_KEY_LENGTH,
  Operation,
  OperationFailedError,
  OutsideOperationError,
  SerializationError,
  UnknownOperationError,
  entityContext,
  type DurableApp,
} from '../../src/index';
import { ALL_ENTITIES, Counter, Journal } from './fixtures';
import type { ContractStore, EngineHarness } from './harness';

@Entity()
class Unregistered {
  n = 0;
  @Operation() bump(): void {
    this.n++;
  }
}

class NotAnEntity {}

/** Failing operations roll back; bad input is refused with a typed error and loses nothing. */
export function failuresContract(harness: EngineHarness): void {
  describe(`failures and bad input [${harness.name}]`, () => {
    let store: ContractStore;
    let app: DurableApp;
    beforeEach(async () => {
      store = await harness.newStore();
      app = await store.open({ entities: ALL_ENTITIES });
    });
    afterEach(() => store.dispose());

    test('a failing call rejects with the remote error name and message and leaves the state as it was', async () => {
      const counter = app.client.entity(Counter, 'c1');
      await counter.call.increment();
      const error = await counter.call.addThenFail(100).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperationFailedError);
      expect(error).toMatchObject({ remoteName: 'RangeError', remoteMessage: 'refusing 100', code: ErrorCode.OperationFailed });
      expect(await counter.call.get()).toBe(1);
    });

    test('a failing operation drops the signals it sent', async () => {
      const counter = app.client.entity(Counter, 'c2');
      await counter.call.addThenFail(7).catch(() => undefined);
      await counter.call.increment();
      // The shadow entity would exist if the dropped signal had been sent.
      await counter.call.get();
      expect((await app.client.entity(Counter, 'c2-shadow').read()).entityExists).toBe(false);
    });

    test('failures in the middle of a burst roll back only the failing operations; later ones still run', async () => {
      const counter = app.client.entity(Counter, 'c3');
      const outcomes = await Promise.allSettled([
        counter.call.increment(),
        counter.signal.add(2),
        counter.call.addThenFail(1000),
        counter.signal.add(4),
        counter.signal.addThenFail(1000),
        counter.call.increment(),
        counter.call.addThenFail(1000),
        counter.signal.add(8),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(outcomes[0]).toMatchObject({ value: 1 });
      expect(outcomes[5]).toMatchObject({ value: 8 });
      expect(await counter.call.get()).toBe(16);
      expect((await app.client.entity(Counter, 'c3-shadow').read()).entityExists).toBe(false);
    });

    test('an operation that leaves unstorable state fails with a SerializationError and is rolled back', async () => {
      const journal = app.client.entity(Journal, 'j1');
      await journal.signal.append('kept');
      const error = await journal.call.corrupt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperationFailedError);
      expect(error).toMatchObject({ remoteName: 'SerializationError', remoteCode: ErrorCode.Serialization });
      expect((error as OperationFailedError).remoteMessage).toContain('BigInt');
      await journal.signal.append('after');
      expect(await journal.call.read()).toEqual(['kept', 'after']);
    });

    test.each([
      ['bigint', 'BigInt'],
      ['function', 'is a function'],
      ['cycle', 'contains a cycle'],
    ] as const)('state holding a %s fails the operation with a SerializationError and keeps the state', async (kind, says) => {
      const journal = app.client.entity(Journal, `j-${kind}`);
      await journal.signal.append('kept');
      const error = await journal.call.corrupt(kind).catch((e: unknown) => e);
      expect(error).toMatchObject({ remoteName: 'SerializationError', remoteCode: ErrorCode.Serialization });
      expect((error as OperationFailedError).remoteMessage).toContain(says);
      expect(await journal.call.read()).toEqual(['kept']);
    });

    test('a signalled operation that leaves unstorable state among good ones is rolled back alone', async () => {
      const journal = app.client.entity(Journal, 'j2');
      await Promise.all([
        journal.signal.append('a'),
        journal.signal.corrupt('bigint'),
        journal.signal.append('b'),
        journal.signal.corrupt('cycle'),
        journal.signal.append('c'),
      ]);
      expect(await journal.call.read()).toEqual(['a', 'b', 'c']);
      expect((await journal.read()).entityState).not.toHaveProperty('big');
      expect((await journal.read()).entityState).not.toHaveProperty('graph');
    });

    test('a non-serializable input is refused at the call and nothing is enqueued', async () => {
      const journal = app.client.entity(Journal, 'j3');
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      for (const input of [10n, () => 1, cyclic, Number.NaN]) {
        const error = await journal.signal.append(input as unknown as string).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SerializationError);
        expect((error as SerializationError).code).toBe(ErrorCode.Serialization);
      }
      expect(await journal.call.read()).toEqual([]);
    });

    test('an unknown operation is refused with the known ones listed, and nothing is enqueued', async () => {
      const id = { name: 'Counter', key: 'u1' };
      const untyped = await app.client.signalEntity(id, 'explode').catch((e: unknown) => e);
      expect(untyped).toBeInstanceOf(UnknownOperationError);
      expect((untyped as Error).message).toContain("'increment'");
      await expect(app.client.callEntity(id, 'explode')).rejects.toBeInstanceOf(UnknownOperationError);
      // A method without @Operation() is not reachable either.
      await expect(app.client.entity(Counter, 'u1').call.helper()).rejects.toBeInstanceOf(UnknownOperationError);
      expect(await app.client.entity(Counter, 'u1').read()).toEqual({ entityExists: false, backlogQueueSize: 0 });
    });

    test('empty and over-long keys are refused with InvalidEntityIdError', async () => {
      expect(() => app.client.entity(Counter, '')).toThrow(InvalidEntityIdError);
      expect(() => app.client.entity(Counter, 'k'.repeat(MAX_ENTITY_KEY_LENGTH + 1))).toThrow(/limit is 256/);
      await expect(app.client.signalEntity({ name: 'Counter', key: '' }, 'add', 1)).rejects.toBeInstanceOf(InvalidEntityIdError);
      await expect(app.client.entity(Counter, 'k'.repeat(MAX_ENTITY_KEY_LENGTH)).call.increment()).resolves.toBe(1);
    });

    test('classes that are not registered entities are refused with DefinitionError saying how to fix it', async () => {
      expect(() => app.client.entity(Unregistered, 'x')).toThrow(/Add it to DurableApp.create/);
      expect(() => app.client.entity(NotAnEntity as never, 'x')).toThrow(/Decorate the class with @Entity/);
      await expect(app.client.signalEntity({ name: 'Nope', key: 'x' }, 'add')).rejects.toBeInstanceOf(DefinitionError);
    });

    test('entityContext() outside an operation throws OutsideOperationError', () => {
      expect(() => entityContext()).toThrow(OutsideOperationError);
    });

    test('every error is a JetstateError with a stable code', async () => {
      const errors = await Promise.all([
        app.client.signalEntity({ name: 'Counter', key: 'e' }, 'nope').catch((e: unknown) => e),
        app.client.signalEntity({ name: 'Counter', key: '' }, 'add').catch((e: unknown) => e),
        app.client
          .entity(Counter, 'e')
          .call.addThenFail(1)
          .catch((e: unknown) => e),
      ]);
      for (const error of errors) {
        expect(error).toBeInstanceOf(JetstateError);
        expect(Object.values(ErrorCode)).toContain((error as JetstateError).code);
      }
    });

    test('after stop(), requests are refused with AppStoppedError', async () => {
      await app.stop();
      await expect(app.client.entity(Counter, 'late').signal.add(1)).rejects.toBeInstanceOf(AppStoppedError);
      await expect(app.client.entity(Counter, 'late').call.get()).rejects.toBeInstanceOf(AppStoppedError);
    });
  });
}
