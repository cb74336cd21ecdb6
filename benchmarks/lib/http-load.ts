// A load generator for the HTTP benchmark, run in a worker thread so that it has an event
// loop of its own: `total` requests (e.g. signals as `POST /entities/Counter/k{key}?op=add`),
// `concurrency` in flight over as many keep-alive connections (undici). Posts the elapsed
// time and the status codes seen back to the parent.
//
// It shares the machine's cores with the server it measures, so it uses undici's low-level
// dispatch API: no response stream per request, which costs about a sixth of the
// generator's CPU per request compared with `request()`.
import { parentPort, workerData } from 'node:worker_threads';
import { Pool, type Dispatcher } from 'undici';

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

function run(input: HttpLoadInput): Promise<HttpLoadResult> {
  const pool = new Pool(input.origin, { connections: input.concurrency, pipelining: 1 });
  const paths = Array.from({ length: input.keys }, (_unused, key) => input.path.replace('{key}', String(key)));
  const headers = input.body === undefined ? undefined : { 'content-type': 'application/json' };
  const statuses: Record<string, number> = {};
  let next = 0;
  let answered = 0;
  const began = performance.now();
  return new Promise((resolve, reject) => {
    let failed = false;
    const send = (): void => {
      if (next >= input.total || failed) return;
      const options: Dispatcher.DispatchOptions = { method: input.method, path: paths[next++ % input.keys]!, headers, body: input.body };
      let status = 0;
      // undici tells its handler styles apart by onRequestStart, so it is given though empty.
      pool.dispatch(options, {
        onRequestStart: () => {},
        onResponseStart: (_controller, statusCode) => {
          status = statusCode;
        },
        onResponseData: () => {},
        onResponseEnd: () => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (++answered < input.total) send();
          else {
            const elapsedMs = performance.now() - began;
            pool.close().then(() => resolve({ elapsedMs, statuses }), reject);
          }
        },
        onResponseError: (_controller, error) => {
          failed = true;
          void pool.destroy();
          reject(error);
        },
      });
    };
    for (let lane = 0; lane < input.concurrency; lane++) send();
  });
}

if (parentPort) {
  run(workerData as HttpLoadInput).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (error: unknown) => parentPort!.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
}
