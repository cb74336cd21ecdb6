// Human interaction: an orchestration waits for a person, with a deadline. A purchase
// request is sent to an approver; the orchestration races the 'approval' external event
// against a durable 72-hour timer. A decision in time approves or rejects the request;
// silence escalates it. Waiting costs nothing: the instance is idle in storage, and the
// timer survives restarts.
//
// Run it: node scripts/run-ts.mjs examples/human-interaction.ts   (NATS_URL=nats://... for NATS)
import 'reflect-metadata';
// In your own project: import { Activity, Orchestrator, type DurableClient, ... } from 'jetstate';
import { Activity, Orchestrator, type DurableClient, type OrchestrationContext } from '../src/index';
import { newRunId, runExample, type DemoOptions } from './example-app';

const HOUR = 3_600_000;
/** How long the approver has. */
export const APPROVAL_TIMEOUT_MS = 72 * HOUR;

export interface PurchaseRequest {
  id: string;
  item: string;
  /** In cents. */
  amount: number;
  approver: string;
  /** Who gets the request when the approver does not answer in time. */
  escalateTo: string;
  /** Overrides {@link APPROVAL_TIMEOUT_MS} (the demo uses seconds). */
  timeoutMs?: number;
}

/** The data of the 'approval' event. */
export interface ApprovalDecision {
  approved: boolean;
  by: string;
}

export type ApprovalOutcome = { outcome: 'approved' | 'rejected'; by: string; at: string } | { outcome: 'escalated'; to: string; at: string };

/** A stand-in for the mail service: messages sent, in order. */
export const outbox: string[] = [];

export class ApprovalMail {
  @Activity()
  async askForApproval({ request, deadline }: { request: PurchaseRequest; deadline: string }): Promise<void> {
    outbox.push(`to ${request.approver}: please approve ${request.id} (${request.item}, ${(request.amount / 100).toFixed(2)} EUR) by ${deadline}`);
  }

  @Activity()
  async tellRequester({ request, decision }: { request: PurchaseRequest; decision: ApprovalDecision }): Promise<void> {
    outbox.push(`re ${request.id}: ${decision.approved ? 'approved' : 'rejected'} by ${decision.by}`);
  }

  @Activity()
  async escalate(request: PurchaseRequest): Promise<void> {
    outbox.push(`to ${request.escalateTo}: ${request.approver} did not answer about ${request.id}; please decide`);
  }
}

@Orchestrator()
export class PurchaseApproval {
  async run(ctx: OrchestrationContext, request: PurchaseRequest): Promise<ApprovalOutcome> {
    const mail = ctx.activities(ApprovalMail);
    const deadline = new Date(ctx.currentUtcDateTime.getTime() + (request.timeoutMs ?? APPROVAL_TIMEOUT_MS));
    await mail.askForApproval({ request, deadline: deadline.toISOString() });
    ctx.setCustomStatus({ waitingFor: request.approver, until: deadline.toISOString() });

    const decision = ctx.waitForExternalEvent<ApprovalDecision>('approval');
    const timeout = ctx.createTimer(deadline);
    const winner = await ctx.any([decision, timeout]);

    if (winner === decision) {
      timeout.cancel(); // not needed any more
      const { approved, by } = decision.result!;
      ctx.setCustomStatus({ decided: approved ? 'approved' : 'rejected' });
      await mail.tellRequester({ request, decision: { approved, by } });
      return { outcome: approved ? 'approved' : 'rejected', by, at: ctx.currentUtcDateTime.toISOString() };
    }
    ctx.setCustomStatus({ decided: 'escalated' });
    await mail.escalate(request);
    return { outcome: 'escalated', to: request.escalateTo, at: ctx.currentUtcDateTime.toISOString() };
  }
}

export const HUMAN_INTERACTION = { orchestrators: [PurchaseApproval], activities: [ApprovalMail] };

/**
 * Sends two requests: the first is approved at once, the second gets no answer and is
 * escalated after `shortTimeoutMs` (default 2 s; the real default is 72 hours).
 */
export async function runHumanInteractionDemo(client: DurableClient, options: DemoOptions & { shortTimeoutMs?: number } = {}): Promise<ApprovalOutcome[]> {
  const log = options.log ?? console.log;
  const runId = options.runId ?? newRunId();
  const base = { item: 'standing desk', amount: 64_900, approver: 'maria', escalateTo: 'director' };
  const answered = await client.startNew(PurchaseApproval, { ...base, id: `po-${runId}-1` }, { instanceId: `po-${runId}-1` });
  const silent = await client.startNew(
    PurchaseApproval,
    { ...base, id: `po-${runId}-2`, timeoutMs: options.shortTimeoutMs ?? 2_000 },
    { instanceId: `po-${runId}-2` },
  );
  log(`${answered.instanceId} waits for maria for 72 hours; ${silent.instanceId} for ${(options.shortTimeoutMs ?? 2_000) / 1000} s`);

  await answered.raiseEvent('approval', { approved: true, by: 'maria' } satisfies ApprovalDecision);
  const results: ApprovalOutcome[] = [];
  for (const handle of [answered, silent]) {
    const result = await handle.result({ timeout: 60_000 });
    log(`${handle.instanceId}: ${result.outcome === 'escalated' ? `escalated to ${result.to}` : `${result.outcome} by ${result.by}`}`);
    results.push(result);
  }
  for (const mail of outbox.filter((m) => m.includes(`po-${runId}-`))) log(`  mail ${mail}`);
  return results;
}

if (typeof require !== 'undefined' && require.main === module) {
  void runExample('human-interaction', HUMAN_INTERACTION, runHumanInteractionDemo);
}
