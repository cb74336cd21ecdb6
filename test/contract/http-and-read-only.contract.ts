import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  DefinitionError,
  Entity,
  ManualClock,
  Operation,
  OperationFailedError,
  replayHistory,
  type DurableApp,
  type EntityChange,
  type HistoryEvent,
} from '../../src/index';
import type { Engine } from '../../src/engine/engine';
import { Registry } from '../../src/internal';
import { eventually } from '../eventually';
import type { ContractStore, EngineHarness } from './harness';
import {
  CallsHttp,
  CallsHttpBadly,
  HTTP_AND_READ_ONLY_ENTITIES,
  HTTP_AND_READ_ONLY_ORCHESTRATORS,
  Ledger,
  ReadsLedger,
  SalesPerMinute,
  readOnlyRuns,
  type HttpCallInput,
  type HttpCallOutcome,
} from './http-and-read-only.fixtures';
import { HoldsVault, Vault } from './orchestration-operations.fixtures';

/** One request the test server received. */
interface Received {
  readonly method: string;
  readonly path: string;
  readonly apiKey: string | undefined;
  readonly body: string;
}

/**
 * A real HTTP server on a free port. `/jobs` starts a job answered by the asynchronous
 * pattern: `202 Accepted` with a `Location` (relative, then absolute), `Retry-After: 1`, then
 * none, then `0`, and finally `200` with the report. `/broken` answers 500.
 */
class JobServer {
  readonly received: Received[] = [];
  private readonly polls = new Map<string, number>();
  private nextJob = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Forgets the requests and jobs of the previous test. */
  reset(): void {
    this.received.length = 0;
    this.polls.clear();
    this.nextJob = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const path = request.url ?? '/';
    const apiKey = request.headers['x-api-key'];
    this.received.push({ method: request.method ?? '', path, apiKey: typeof apiKey === 'string' ? apiKey : undefined, body });
    if (request.method === 'POST' && path === '/jobs') {
      const job = `job-${++this.nextJob}`;
      this.polls.set(job, 0);
      response.writeHead(202, { location: `/jobs/${job}`, 'retry-after': '1' }).end('accepted');
      return;
    }
    const job = /^\/jobs\/(job-\d+)$/.exec(path)?.[1];
    if (request.method === 'GET' && job !== undefined && this.polls.has(job)) {
      const poll = this.polls.get(job)! + 1;
      this.polls.set(job, poll);
      if (poll === 1) response.writeHead(202, { location: `${this.url}/jobs/${job}` }).end('working');
      else if (poll === 2) response.writeHead(202, { location: `/jobs/${job}`, 'retry-after': '0' }).end('almost');
      else response.writeHead(200, { 'content-type': 'text/plain', 'x-job': job }).end(`report of ${job}`);
      return;
    }
    if (path === '/broken') {
      response.writeHead(500).end('boom');
      return;
    }
    response.writeHead(404).end();
  }
}

/** The delay of each durable timer: its fire time minus the time of the turn that created it. */
function timerDelays(history: readonly HistoryEvent[]): number[] {
  let turnTime = 0;
  const delays: number[] = [];
  for (const event of history) {
    if (event.kind === 'OrchestratorStarted') turnTime = event.timestamp;
    if (event.kind === 'TimerCreated') delays.push(event.fireAt - turnTime);
  }
  return delays;
}

function engineOf(app: DurableApp): Engine {
  return (app as unknown as { engine: Engine }).engine;
}

/** Durable HTTP calls, read-only entity operations, and the lock metadata of entity reads. */
export function httpAndReadOnlyContract(harness: EngineHarness): void {
  describe(`durable HTTP and read-only operations [${harness.name}]`, () => {
    let store: ContractStore;
    const jobs = new JobServer();
    beforeAll(() => jobs.start());
    afterAll(() => jobs.stop());
    beforeEach(async () => {
      store = await harness.newStore();
      jobs.reset();
    });
    afterEach(async () => {
      await store.dispose();
      readOnlyRuns.clear();
    });

    function open(clock?: ManualClock): Promise<DurableApp> {
      return store.open({
        entities: [...HTTP_AND_READ_ONLY_ENTITIES, Vault],
        orchestrators: [...HTTP_AND_READ_ONLY_ORCHESTRATORS, HoldsVault],
        ...(clock ? { clock } : {}),
      });
    }

    async function callHttp(app: DurableApp, input: HttpCallInput, instanceId: string): Promise<HttpCallOutcome> {
      const handle = await app.client.startNew(CallsHttp, input, { instanceId });
      return (await handle.result({ timeout: 20_000 })) as HttpCallOutcome;
    }

    describe('ctx.callHttp', () => {
      test('follows 202 Accepted + Location on durable timers, waiting Retry-After (or pollingInterval), and completes with the final response', async () => {
        const app = await open();
        const outcome = await callHttp(
          app,
          {
            request: {
              method: 'post',
              url: `${jobs.url}/jobs`,
              headers: { 'x-api-key': 'k1', 'content-type': 'application/json' },
              body: '{"month":"2026-11"}',
            },
            options: { pollingInterval: 100 },
          },
          'http-poll',
        );
        expect(outcome).toEqual({
          response: { statusCode: 200, headers: expect.objectContaining({ 'x-job': 'job-1', 'content-type': 'text/plain' }), content: 'report of job-1' },
        });
        // The request once, then GETs of the location with the request's headers.
        expect(jobs.received).toEqual([
          { method: 'POST', path: '/jobs', apiKey: 'k1', body: '{"month":"2026-11"}' },
          { method: 'GET', path: '/jobs/job-1', apiKey: 'k1', body: '' },
          { method: 'GET', path: '/jobs/job-1', apiKey: 'k1', body: '' },
          { method: 'GET', path: '/jobs/job-1', apiKey: 'k1', body: '' },
        ]);
        const history = (await app.client.getStatus('http-poll', { showHistory: true }))!.history!;
        // Retry-After: 1 second; none (the pollingInterval); Retry-After: 0.
        expect(timerDelays(history)).toEqual([1000, 100, 0]);
        expect(history.filter((e) => e.kind === 'TaskScheduled').map((e) => (e as { name: string }).name)).toEqual(['$http', '$http', '$http', '$http']);
        // The polling decisions come from history: the recorded run replays, with nothing sent.
        await expect(replayHistory(CallsHttp, history)).resolves.toBeUndefined();
        expect(jobs.received).toHaveLength(4);
      });

      test('with asynchronousPatternEnabled: false, the 202 comes back as it is; a 500 is a response, not an error', async () => {
        const app = await open();
        const accepted = await callHttp(
          app,
          { request: { method: 'POST', url: `${jobs.url}/jobs` }, options: { asynchronousPatternEnabled: false } },
          'http-no-poll',
        );
        expect(accepted).toEqual({
          response: { statusCode: 202, headers: expect.objectContaining({ location: '/jobs/job-1', 'retry-after': '1' }), content: 'accepted' },
        });
        expect(jobs.received.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /jobs']);

        const broken = await callHttp(app, { request: { method: 'GET', url: `${jobs.url}/broken` } }, 'http-500');
        expect(broken).toMatchObject({ response: { statusCode: 500, content: 'boom' } });
      });

      test('an unreachable URL fails the call with HttpCallFailedError, after the retry policy', async () => {
        const app = await open();
        const closed = createServer();
        await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
        const port = (closed.address() as AddressInfo).port;
        await new Promise<void>((resolve) => closed.close(() => resolve()));
        const url = `http://127.0.0.1:${port}/nothing-here`;

        const outcome = await callHttp(
          app,
          { request: { method: 'GET', url }, options: { retry: { maxNumberOfAttempts: 2, firstRetryInterval: 10 } } },
          'http-unreachable',
        );
        expect(outcome).toEqual({
          error: {
            name: 'HttpCallFailedError',
            code: 'JETSTATE_HTTP_CALL_FAILED',
            message: expect.stringContaining(`GET ${url} got no response`),
            isHttpCallFailed: true,
          },
        });
        expect((outcome as { error: { message: string } }).error.message).toMatch(/ECONNREFUSED/);
        const history = (await app.client.getStatus('http-unreachable', { showHistory: true }))!.history!;
        expect(history.filter((e) => e.kind === 'TaskScheduled')).toHaveLength(2);
        expect(history.filter((e) => e.kind === 'TaskFailed')).toHaveLength(2);
      });

      test('bad requests and options are refused at the call with InvalidOptionsError saying what to fix', async () => {
        const app = await open();
        const refusals = (await (await app.client.startNew(CallsHttpBadly)).result({ timeout: 10_000 })) as string[];
        expect(refusals).toHaveLength(9);
        for (const refusal of refusals) expect(refusal).toMatch(/^InvalidOptionsError: /);
        expect(refusals[0]).toMatch(/needs a request object/);
        expect(refusals[1]).toMatch(/absolute URL/);
        expect(refusals[2]).toMatch(/absolute URL/);
        expect(refusals[3]).toMatch(/http: and https: URLs only/);
        expect(refusals[4]).toMatch(/HTTP method/);
        expect(refusals[5]).toMatch(/JSON\.stringify/);
        expect(refusals[6]).toMatch(/cannot send a body with GET/);
        expect(refusals[7]).toMatch(/header 'x-count' must be a string/);
        expect(refusals[8]).toMatch(/pollingInterval must be a positive number/);
        expect(jobs.received).toEqual([]);
      });
    });

    describe('read-only operations', () => {
      test('write no snapshot and emit no change, whether signalled, called by a client or called by an orchestration', async () => {
        const app = await open();
        const engine = engineOf(app);
        const ledger = app.client.entity(Ledger, 'books');
        // Signals (not calls) so that the stored position moves with each change.
        await ledger.signal.add(5);
        await eventually(async () => (await engine.readSnapshot(ledger.id))?.version === 1);
        const before = (await engine.readSnapshot(ledger.id))!;
        expect(before).toMatchObject({ exists: true, version: 1 });
        expect(before.lastAppliedSeq).toBeGreaterThan(0);

        const changes: EntityChange<Ledger>[] = [];
        const subscription: Subscription = app.client.entities(Ledger).changes$.subscribe((change) => changes.push(change));
        try {
          for (let i = 0; i < 3; i++) await ledger.signal.balance();
          expect(await ledger.call.balance()).toBe(5);
          expect(await (await app.client.startNew(ReadsLedger, 'books')).result({ timeout: 10_000 })).toBe(5);
          await eventually(() => readOnlyRuns.get('books.balance') === 5);
          // A call goes behind the signals, so once it is answered they have all been through the partition.
          expect(await ledger.call.balance()).toBe(5);

          const after = (await engine.readSnapshot(ledger.id))!;
          expect(after.lastAppliedSeq).toBe(before.lastAppliedSeq);
          expect(after).toEqual(before);

          // A change after them is stored and emitted: the observers above were watching.
          await ledger.signal.add(1);
          await eventually(() => changes.some((c) => c.version === before.version + 1));
          expect(changes.filter((c) => c.version > before.version).map((c) => [c.version, c.state?.total])).toEqual([[before.version + 1, 6]]);
          expect((await engine.readSnapshot(ledger.id))!.lastAppliedSeq).toBeGreaterThan(before.lastAppliedSeq);
        } finally {
          subscription.unsubscribe();
        }
      });

      test('on an entity that does not exist, it sees the fresh state and the entity stays absent', async () => {
        const app = await open();
        const ghost = app.client.entity(Ledger, 'ghost');
        expect(await ghost.call.balance()).toBe(0);
        await ghost.signal.balance();
        await eventually(() => readOnlyRuns.get('ghost.balance') === 2);
        expect(await ghost.call.balance()).toBe(0);
        expect(await engineOf(app).readSnapshot(ghost.id)).toBeUndefined();
        expect(await ghost.read()).toEqual({ entityExists: false, backlogQueueSize: 0 });
      });

      test('one that changes the state, sends a signal or deletes is refused with ReadOnlyOperationError and rolled back', async () => {
        const app = await open();
        const ledger = app.client.entity(Ledger, 'strict');
        await ledger.call.add(2);
        const before = (await engineOf(app).readSnapshot(ledger.id))!;

        for (const attempt of [() => ledger.call.sneakyAdd(40), () => ledger.call.chatty(), () => ledger.call.vanish()]) {
          const refused = await attempt().catch((e: unknown) => e);
          expect(refused).toBeInstanceOf(OperationFailedError);
          expect(refused).toMatchObject({ remoteName: 'ReadOnlyOperationError', remoteCode: 'JETSTATE_READ_ONLY_VIOLATION' });
          expect((refused as OperationFailedError).message).toMatch(
            /declared readOnly but (changed the state|sent 1 message|deleted the entity).*remove readOnly/,
          );
        }
        expect(await ledger.call.balance()).toBe(2);
        expect(await engineOf(app).readSnapshot(ledger.id)).toEqual(before);
        expect((await ledger.read()).entityState).toMatchObject({ total: 2, entries: [2] });
        expect(await engineOf(app).readSnapshot({ name: 'Ledger', key: 'elsewhere' })).toBeUndefined();
      });

      test('a closed window refuses changes (LateDataError) and still answers read-only queries', async () => {
        const clock = new ManualClock(new Date('2026-06-01T10:00:10.000Z'));
        const app = await open(clock);
        const minute = app.client.windows(SalesPerMinute).window('shop', new Date('2026-06-01T10:00:10.000Z'));
        await minute.call.add(3);
        await clock.advance(60_000);
        await expect(minute.call.add(1)).rejects.toThrow(/LateDataError: The window .* closed at/);
        expect(await minute.call.count()).toBe(3);
      });

      test('readOnly together with merge, or not a boolean, is a DefinitionError', () => {
        @Entity()
        class Both {
          n = 0;
          @Operation({ readOnly: true, merge: (a: number, b: number) => a + b }) add(n: number): void {
            this.n += n;
          }
        }
        @Entity()
        class NotBoolean {
          @Operation({ readOnly: 'yes' as unknown as boolean }) get(): number {
            return 1;
          }
        }
        expect(() => Registry.create({ entities: [Both] })).toThrow(DefinitionError);
        expect(() => Registry.create({ entities: [Both] })).toThrow(/both readOnly and mergeable/);
        expect(() => Registry.create({ entities: [NotBoolean] })).toThrow(/readOnly option .* must be true or false/);
      });
    });

    describe('entity metadata in read() and list()', () => {
      test('lockedBy and backlogQueueSize show a critical section and what waits for it; lastModifiedTime the last committed change', async () => {
        const start = new Date('2026-06-01T10:00:00.000Z');
        const clock = new ManualClock(start);
        const app = await open(clock);
        const vault = app.client.entity(Vault, 'meta');
        const holder = await app.client.startNew(HoldsVault, 'meta', { instanceId: 'holder' });
        await eventually(async () => (await vault.read()).entityState?.balance === 1);
        await vault.signal.deposit(10);
        await vault.signal.deposit(100);
        await eventually(async () => (await vault.read()).backlogQueueSize === 2);

        expect(await vault.read()).toMatchObject({
          entityExists: true,
          entityState: { balance: 1 },
          lockedBy: 'holder',
          backlogQueueSize: 2,
          lastModifiedTime: start,
        });
        const [listed] = (await app.client.entities(Vault).list()).entities;
        expect(listed).toMatchObject({
          id: { name: 'Vault', key: 'meta' },
          lockedBy: 'holder',
          backlogQueueSize: 2,
          lastModifiedTime: start,
          lastOperationTime: start,
        });

        await clock.advance(60_000);
        await holder.raiseEvent('release');
        expect(await holder.result({ timeout: 10_000 })).toBe(1);
        await eventually(async () => (await vault.read()).entityState?.balance === 111);
        const released = await vault.read();
        expect(released).toEqual({
          entityExists: true,
          entityState: expect.objectContaining({ balance: 111 }),
          backlogQueueSize: 0,
          lastModifiedTime: new Date(start.getTime() + 60_000),
        });
        expect(released.lockedBy).toBeUndefined();
        const [after] = (await app.client.entities(Vault).list()).entities;
        expect(after).toMatchObject({ backlogQueueSize: 0, lastModifiedTime: new Date(start.getTime() + 60_000) });
        expect(after!.lockedBy).toBeUndefined();
      });
    });
  });
}
