import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HUMAN_INTERACTION, PurchaseApproval, outbox, runHumanInteractionDemo, type PurchaseRequest } from '../../examples/human-interaction';
import { OrchestrationNotRunningError, createTestEnvironment, type TestEnvironment } from '../../src/index';
import { eventually } from '../eventually';

const HOUR = 3_600_000;
const START = new Date('2026-03-02T09:00:00Z');

describe('example: human interaction (approval with a 72-hour timeout)', () => {
  let env: TestEnvironment;
  beforeEach(async () => {
    outbox.length = 0;
    env = await createTestEnvironment({ ...HUMAN_INTERACTION, startTime: START });
  });
  afterEach(() => env.dispose());

  const request: PurchaseRequest = { id: 'po-7', item: 'laptop', amount: 189_000, approver: 'maria', escalateTo: 'director' };

  it('approved in time: the decision wins the race and the timer is canceled', async () => {
    const handle = await env.client.startNew(PurchaseApproval, request, { instanceId: 'po-7' });
    await eventually(async () => (await handle.status()).customStatus !== undefined);
    expect((await handle.status()).customStatus).toEqual({ waitingFor: 'maria', until: '2026-03-05T09:00:00.000Z' });
    expect(outbox).toEqual(['to maria: please approve po-7 (laptop, 1890.00 EUR) by 2026-03-05T09:00:00.000Z']);

    await env.advance(5 * HOUR);
    await handle.raiseEvent('approval', { approved: true, by: 'maria' });
    expect(await handle.result({ timeout: 5_000 })).toEqual({ outcome: 'approved', by: 'maria', at: '2026-03-02T14:00:00.000Z' });

    // The deadline passes without effect on the ended instance.
    await env.advance(72 * HOUR);
    const status = await handle.status();
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.customStatus).toEqual({ decided: 'approved' });
    expect(outbox.slice(1)).toEqual(['re po-7: approved by maria']);
  });

  it('escalated after 72 hours without an answer', async () => {
    const handle = await env.client.startNew(PurchaseApproval, request, { instanceId: 'po-7' });
    await env.advance(71 * HOUR);
    expect((await handle.status()).runtimeStatus).toBe('Running');
    expect(outbox).toHaveLength(1);

    await env.advance(1 * HOUR);
    expect(await handle.result({ timeout: 5_000 })).toEqual({ outcome: 'escalated', to: 'director', at: '2026-03-05T09:00:00.000Z' });
    expect((await handle.status()).customStatus).toEqual({ decided: 'escalated' });
    expect(outbox.at(-1)).toBe('to director: maria did not answer about po-7; please decide');
    // A late answer is refused: the instance has ended.
    await expect(handle.raiseEvent('approval', { approved: true, by: 'maria' })).rejects.toBeInstanceOf(OrchestrationNotRunningError);
  });

  it('rejected in time', async () => {
    const handle = await env.client.startNew(PurchaseApproval, request);
    await env.advance(71 * HOUR + 59 * 60_000);
    await handle.raiseEvent('approval', { approved: false, by: 'maria' });
    expect(await handle.result({ timeout: 5_000 })).toMatchObject({ outcome: 'rejected', by: 'maria' });
    await env.advance(HOUR);
    expect((await handle.status()).output).toMatchObject({ outcome: 'rejected' });
  });

  it('the wait survives a restart of the app', async () => {
    const handle = await env.client.startNew(PurchaseApproval, request, { instanceId: 'po-restart' });
    await env.advance(24 * HOUR);
    await env.restart();
    await env.advance(48 * HOUR);
    const status = await env.client.waitForCompletion(handle.instanceId, { timeout: 5_000 });
    expect(status.output).toEqual({ outcome: 'escalated', to: 'director', at: '2026-03-05T09:00:00.000Z' });
  });

  it('the runnable demo approves one request and escalates the other', async () => {
    const lines: string[] = [];
    let done = false;
    const demo = runHumanInteractionDemo(env.client, { runId: 't', log: (line) => lines.push(line) }).finally(() => (done = true));
    while (!done) await env.advance(1_000);
    const [first, second] = await demo;
    expect(first).toMatchObject({ outcome: 'approved', by: 'maria' });
    expect(second).toMatchObject({ outcome: 'escalated', to: 'director' });
    expect(lines).toContain('po-t-2: escalated to director');
  });
});
