import 'reflect-metadata';
import { Orchestrator, type OrchestrationContext } from '../src/index';

/** Completes in its first turn: the bulk of the dashboard scenario's instances. */
@Orchestrator()
export class DashboardBenchDone {
  async run(_ctx: OrchestrationContext, input: number): Promise<number> {
    return input;
  }
}

/** Waits for a `go` event: stays Running, so the listing has more than one status to filter by. */
@Orchestrator()
export class DashboardBenchWaiting {
  async run(ctx: OrchestrationContext): Promise<unknown> {
    return ctx.waitForExternalEvent<unknown>('go');
  }
}
