// Monitor: a recurring check on a durable timer that ends on a condition. Here an
// orchestration polls an export job every `intervalMs` until it has finished (then it
// notifies the owner) or until `expiresAt` (then it gives up). Each check is one
// execution: `continueAsNew` restarts the instance with a fresh history, so a monitor that
// runs for weeks keeps a short one.
//
// Run it: node scripts/run-ts.mjs examples/monitor.ts   (NATS_URL=nats://... for NATS)
import 'reflect-metadata';
// In your own project: import { Activity, Orchestrator, type DurableClient, ... } from 'jetstate';
import { Activity, Orchestrator, type DurableClient, type OrchestrationContext } from '../src/index';
import { newRunId, runExample, type DemoOptions } from './example-app';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

/** A stand-in for the service that runs the jobs: job id -> state. Unknown jobs are queued. */
export const jobService = {
  states: new Map<string, JobState>(),
  /** Notifications sent, in order. */
  notifications: [] as string[],
};

export class JobActivities {
  @Activity()
  async getJobState(jobId: string): Promise<JobState> {
    return jobService.states.get(jobId) ?? 'queued';
  }

  @Activity()
  async notify(message: string): Promise<void> {
    jobService.notifications.push(message);
  }
}

export interface MonitorInput {
  jobId: string;
  /** Time between checks, in milliseconds. */
  intervalMs: number;
  /** Stop checking after this time (ISO 8601). */
  expiresAt: string;
  /** Checks made by earlier executions. Leave it out when starting. */
  checks?: number;
}

export interface MonitorResult {
  jobId: string;
  outcome: 'succeeded' | 'failed' | 'expired';
  checks: number;
}

@Orchestrator()
export class JobMonitor {
  async run(ctx: OrchestrationContext, input: MonitorInput): Promise<MonitorResult | undefined> {
    const jobs = ctx.activities(JobActivities);
    const checks = (input.checks ?? 0) + 1;
    const state = await jobs.getJobState(input.jobId);
    ctx.setCustomStatus({ checks, state });

    if (state === 'succeeded' || state === 'failed') {
      await jobs.notify(`job ${input.jobId} ${state} (after ${checks} checks)`);
      return { jobId: input.jobId, outcome: state, checks };
    }
    // ctx.currentUtcDateTime, not Date.now(): the same value when this code is replayed.
    const next = new Date(ctx.currentUtcDateTime.getTime() + input.intervalMs);
    if (next.getTime() > Date.parse(input.expiresAt)) {
      await jobs.notify(`job ${input.jobId} still ${state} at ${input.expiresAt}; stopped watching`);
      return { jobId: input.jobId, outcome: 'expired', checks };
    }
    await ctx.createTimer(next);
    // Start over with a fresh history; what run returns now is ignored.
    ctx.continueAsNew({ ...input, checks });
    return undefined;
  }
}

export const MONITOR = { orchestrators: [JobMonitor], activities: [JobActivities] };

/** Watches a job every 500 ms that finishes after `finishAfterMs` (default 2 s), and prints each check. */
export async function runMonitorDemo(client: DurableClient, options: DemoOptions & { finishAfterMs?: number } = {}): Promise<MonitorResult> {
  const log = options.log ?? console.log;
  const jobId = `export-${options.runId ?? newRunId()}`;
  jobService.states.set(jobId, 'running');
  const handle = await client.startNew(
    JobMonitor,
    { jobId, intervalMs: 500, expiresAt: new Date(Date.now() + 60_000).toISOString() },
    { instanceId: `monitor-${jobId}` },
  );
  let printed = 0;
  const printer = handle.status$.subscribe((status) => {
    const custom = status.customStatus as { checks: number; state: JobState } | undefined;
    if (custom && custom.checks > printed) {
      printed = custom.checks;
      log(`  check ${custom.checks}: ${custom.state}`);
    }
  });
  const finish = setTimeout(() => jobService.states.set(jobId, 'succeeded'), options.finishAfterMs ?? 2_000);
  try {
    const result = (await handle.result({ timeout: 60_000 }))!;
    log(`${jobId}: ${result.outcome} after ${result.checks} checks; notified: ${jobService.notifications.at(-1)}`);
    return result;
  } finally {
    clearTimeout(finish);
    printer.unsubscribe();
  }
}

if (typeof require !== 'undefined' && require.main === module) {
  void runExample('monitor', MONITOR, runMonitorDemo);
}
