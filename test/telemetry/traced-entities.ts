// Entities, an orchestrator and an activity that make one trace cross every hop: a client
// signal to Relay, which signals Tally and starts Pipeline, whose activity runs twice.
import 'reflect-metadata';
import { Activity, Entity, Operation, Orchestrator, entityContext, type OrchestrationContext } from '../../src/index';

@Entity()
export class Tally {
  total = 0;

  @Operation()
  add(n: number): void {
    this.total += n;
  }

  @Operation()
  get(): number {
    return this.total;
  }

  @Operation()
  fail(): void {
    this.total = -1;
    throw new RangeError('refused on purpose');
  }
}

@Entity()
export class Relay {
  forwarded = 0;

  /** Signals Tally `key` and starts Pipeline with instance id `pipeline-<key>`. */
  @Operation()
  forward(input: { key: string; n: number }): void {
    this.forwarded += input.n;
    const context = entityContext();
    context.entity(Tally, input.key).signal.add(input.n);
    context.startNewOrchestration(Pipeline, input.n, { instanceId: `pipeline-${input.key}` });
  }
}

export class Steps {
  @Activity()
  double(n: number): number {
    return n * 2;
  }
}

@Orchestrator()
export class Pipeline {
  async run(ctx: OrchestrationContext, n: number): Promise<number> {
    const steps = ctx.activities(Steps);
    const once = await steps.double(n);
    return steps.double(once);
  }
}

/** Doubles, waits for the event `go`, doubles again: a process can stop in the middle. */
@Orchestrator()
export class GatedPipeline {
  async run(ctx: OrchestrationContext, n: number): Promise<number> {
    const steps = ctx.activities(Steps);
    const once = await steps.double(n);
    ctx.setCustomStatus('waiting');
    await ctx.waitForExternalEvent('go');
    return steps.double(once);
  }
}

export const TRACED = { entities: [Tally, Relay], orchestrators: [Pipeline, GatedPipeline], activities: [Steps] };
