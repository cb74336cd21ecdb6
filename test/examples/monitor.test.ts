import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobMonitor, MONITOR, jobService, runMonitorDemo, type MonitorInput } from '../../examples/monitor';
import { createTestEnvironment, type TestEnvironment } from '../../src/index';
import { eventually } from '../eventually';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = new Date('2026-06-01T12:00:00Z');

describe('example: monitor', () => {
  let env: TestEnvironment;
  beforeEach(async () => {
    jobService.states.clear();
    jobService.notifications.length = 0;
    env = await createTestEnvironment({ ...MONITOR, startTime: START });
  });
  afterEach(() => env.dispose());

  const input: MonitorInput = { jobId: 'job-1', intervalMs: 5 * MINUTE, expiresAt: new Date(START.getTime() + HOUR).toISOString() };

  it('checks every 5 minutes on a durable timer until the job has finished', async () => {
    jobService.states.set('job-1', 'running');
    const handle = await env.client.startNew(JobMonitor, input, { instanceId: 'watch-job-1' });
    const checks = async (): Promise<unknown> => ((await handle.status()).customStatus as { checks?: number } | undefined)?.checks;
    await eventually(async () => (await checks()) === 1);

    await env.advance(15 * MINUTE);
    await eventually(async () => (await checks()) === 4);
    const status = await handle.status({ showHistory: true });
    expect(status.runtimeStatus).toBe('Running');
    expect(status.customStatus).toEqual({ checks: 4, state: 'running' });
    // continueAsNew keeps the history to one check: no timers of earlier checks in it.
    expect(status.history!.filter((e) => e.kind === 'TimerFired')).toHaveLength(0);
    expect(status.input).toEqual({ ...input, checks: 3 });

    jobService.states.set('job-1', 'succeeded');
    await env.advance(4 * MINUTE);
    expect((await handle.status()).runtimeStatus).toBe('Running'); // the next check is at 20 minutes
    await env.advance(1 * MINUTE);
    expect(await handle.result({ timeout: 5_000 })).toEqual({ jobId: 'job-1', outcome: 'succeeded', checks: 5 });
    expect(jobService.notifications).toEqual(['job job-1 succeeded (after 5 checks)']);
  });

  it('a job that has already failed ends the monitor at the first check', async () => {
    jobService.states.set('job-1', 'failed');
    const handle = await env.client.startNew(JobMonitor, input);
    expect(await handle.result({ timeout: 5_000 })).toEqual({ jobId: 'job-1', outcome: 'failed', checks: 1 });
  });

  it('gives up at expiresAt when the job never finishes', async () => {
    jobService.states.set('job-1', 'running');
    const handle = await env.client.startNew(JobMonitor, input);
    await env.advance(2 * HOUR);
    // Checks at 0, 5, ..., 60 minutes: 13, then the next one would be past expiry.
    expect(await handle.result({ timeout: 5_000 })).toEqual({ jobId: 'job-1', outcome: 'expired', checks: 13 });
    expect(jobService.notifications).toEqual([`job job-1 still running at ${input.expiresAt}; stopped watching`]);
  });

  it('the monitor survives a restart between two checks', async () => {
    jobService.states.set('job-1', 'running');
    const handle = await env.client.startNew(JobMonitor, input, { instanceId: 'watch-restart' });
    await env.advance(7 * MINUTE);
    await env.restart();
    jobService.states.set('job-1', 'succeeded');
    await env.advance(3 * MINUTE);
    const status = await env.client.waitForCompletion(handle.instanceId, { timeout: 5_000 });
    expect(status.output).toEqual({ jobId: 'job-1', outcome: 'succeeded', checks: 3 });
  });

  it('the runnable demo watches its job until it has succeeded', async () => {
    const lines: string[] = [];
    let done = false;
    const demo = runMonitorDemo(env.client, { runId: 't', finishAfterMs: 50, log: (line) => lines.push(line) }).finally(() => (done = true));
    // The job finishes after 50 ms of real time; each advance runs the next check.
    while (!done) await env.advance(500);
    const result = await demo;
    expect(result.outcome).toBe('succeeded');
    expect(result.checks).toBeGreaterThan(1);
    expect(lines.at(-1)).toBe(`export-t: succeeded after ${result.checks} checks; notified: job export-t succeeded (after ${result.checks} checks)`);
  });
});
