// Async HTTP APIs (Durable Functions pattern #3): a client starts long-running work with a
// POST and gets `202 Accepted` with a `Location` to poll; the status URL answers `202` while
// the work runs and `200` with the output once it is done. The starter route is the app's
// own (`POST /api/orchestrators/{functionName}`), written with createCheckStatusResponse;
// the status URLs are the HTTP API's, mounted on the same fastify server.
//
// Run it: node scripts/run-ts.mjs examples/async-http-api.ts   (PORT=7071 by default)
// then, in another terminal, the curl lines of the Durable Functions overview:
//
//   curl -X POST http://localhost:7071/api/orchestrators/DoWork -H "Content-Length: 0" -i
//   curl http://localhost:7071/runtime/webhooks/durabletask/instances/<id from the reply> -i
import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify from 'fastify';
// In your own project: import { Activity, DurableApp, Orchestrator, jetstateHttpApi, ... } from 'jetstate';
import { Activity, DurableApp, Orchestrator, jetstateHttpApi, type OrchestrationContext } from '../src/index';

/** How long the simulated work takes; the test shortens it. */
export const work = { durationMs: 10_000 };

export class Work {
  @Activity()
  async doWork(input: unknown): Promise<string> {
    await delay(work.durationMs);
    return `done: ${JSON.stringify(input ?? null)}`;
  }
}

/** The long-running operation behind the API. */
@Orchestrator()
export class DoWork {
  async run(ctx: OrchestrationContext, input: unknown): Promise<string> {
    ctx.setCustomStatus('working');
    return ctx.activities(Work).doWork(input);
  }
}

export interface AsyncHttpApiOptions {
  readonly port: number;
  readonly host?: string;
  readonly dataDir: string;
}

/** Starts the app and its HTTP server; `close()` stops both. */
export async function startAsyncHttpApi(options: AsyncHttpApiOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const app = await DurableApp.create({ orchestrators: [DoWork], activities: [Work], dataDir: options.dataDir, logger: { level: 'error' } });
  await app.start();
  const server = Fastify();
  // The management routes under /runtime/webhooks/durabletask, next to the app's own routes.
  await server.register(jetstateHttpApi, { client: app.client });

  // The starter: any orchestrator by name, the body (if any) as its input.
  server.post<{ Params: { functionName: string } }>('/api/orchestrators/:functionName', async (request, reply) => {
    const handle = await app.client.startNew(request.params.functionName, request.body ?? undefined);
    const response = app.client.createCheckStatusResponse(request, handle.instanceId);
    return reply.code(response.status).headers(response.headers).send(response.body);
  });

  const url = await server.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  return {
    url,
    close: async () => {
      await server.close();
      await app.stop();
    },
  };
}

async function main(): Promise<void> {
  const dataDir = './.jetstate-async-http-api';
  await rm(dataDir, { recursive: true, force: true });
  const port = Number(process.env.PORT ?? 7071);
  const { url, close } = await startAsyncHttpApi({ port, dataDir });
  console.log(`async HTTP API on ${url}; each DoWork takes ${work.durationMs / 1000} s. Try:`);
  console.log(`  curl -X POST http://localhost:${port}/api/orchestrators/DoWork -H "Content-Length: 0" -i`);
  console.log(`  curl http://localhost:${port}/runtime/webhooks/durabletask/instances/<id> -i`);
  console.log('Ctrl-C stops it.');
  process.once('SIGINT', () => {
    close()
      .then(() => rm(dataDir, { recursive: true, force: true }))
      .catch((error: unknown) => console.error(error));
  });
}

if (require.main === module) void main();
