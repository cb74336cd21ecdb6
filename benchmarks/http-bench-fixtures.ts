import 'reflect-metadata';
import { Activity, Orchestrator, type OrchestrationContext } from '../src/index';

export class HttpBenchGreeter {
  @Activity()
  async hello(city: string): Promise<string> {
    return `Hello ${city}!`;
  }
}

/** One activity: the orchestration the HTTP start-and-poll scenario starts. */
@Orchestrator()
export class HttpBenchHello {
  async run(ctx: OrchestrationContext, city: string): Promise<string> {
    return ctx.activities(HttpBenchGreeter).hello(city);
  }
}
