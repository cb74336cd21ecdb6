// A load generator for the HTTP benchmark, run in a worker thread so that it has an event
// loop (and a core) of its own: `total` requests (e.g. signals as
// `POST /entities/Counter/k{key}?op=add`), `concurrency` in flight over as many keep-alive
// connections (undici). Posts the elapsed time and the status codes seen back to the parent.
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';

export interface HttpLoadInput {
  readonly origin: string;
  readonly method: 'GET' | 'POST';
  /** The path of request i, with `{key}` replaced by `i % keys`. */
  readonly path: string;
  /** A JSON body, for POST. */
  readonly body?: string;
  readonly total: number;
  readonly keys: number;
  readonly concurrency: number;
}

export interface HttpLoadResult {
  readonly elapsedMs: number;
  readonly statuses: Record<string, number>;
}

async function run(input: HttpLoadInput): Promise<HttpLoadResult> {
  const pool = new Pool(input.origin, { connections: input.concurrency, pipelining: 1 });
  const statuses: Record<string, number> = {};
  let next = 0;
  const began = performance.now();
  const lane = async (): Promise<void> => {
    while (next < input.total) {
      const i = next++;
      const { statusCode, body } = await pool.request({
        method: input.method,
        path: input.path.replace('{key}', String(i % input.keys)),
        ...(input.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: input.body }),
      });
      await body.dump();
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: input.concurrency }, lane));
  const elapsedMs = performance.now() - began;
  await pool.close();
  return { elapsedMs, statuses };
}

if (parentPort) {
  run(workerData as HttpLoadInput).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (error: unknown) => parentPort!.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
}
