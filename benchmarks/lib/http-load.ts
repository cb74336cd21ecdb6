// The HTTP benchmark's load generator: wrk (https://github.com/wg/wrk), the C load generator
// web servers are measured with, run as a child process. The load shares the machine's
// cores with the server it measures; wrk spends a fraction of the CPU per request that a
// Node.js client does (undici's dispatch API cost about 76 µs per request here), so the
// rate measured is the server's, and the server's CPU is accounted apart from the load's.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface HttpLoadInput {
  readonly origin: string;
  readonly method: 'GET' | 'POST';
  /** The path of each request, with `{key}` replaced by the keys 0 to `keys - 1` in turn. */
  readonly path: string;
  /** A JSON body, for POST. */
  readonly body?: string;
  readonly keys: number;
  /** Requests in flight: as many keep-alive connections, one request at a time on each. */
  readonly connections: number;
  readonly durationSeconds: number;
  /** A directory to write the load's script to. */
  readonly scratchDir: string;
}

export interface HttpLoadResult {
  /** Requests answered. */
  readonly requests: number;
  readonly elapsedMs: number;
  /** Answers with a status outside 2xx and 3xx. */
  readonly failedStatuses: number;
  /** Connect, read, write and timeout errors. */
  readonly socketErrors: number;
  /** Latency percentiles of the answered requests, in milliseconds. */
  readonly latencyMs: { readonly p50: number; readonly p99: number };
}

// Builds every request once per wrk thread (init), then hands them out in turn; done() prints
// one JSON line with what the run counted.
const SCRIPT = `
local prepared = {}
local next_index = 0
function init(args)
  local keys = tonumber(os.getenv("LOAD_KEYS"))
  local path = os.getenv("LOAD_PATH")
  local body = os.getenv("LOAD_BODY")
  local headers = {}
  if body ~= nil and body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
  for key = 0, keys - 1 do
    local keyed = string.gsub(path, "{key}", tostring(key))
    prepared[key + 1] = wrk.format(os.getenv("LOAD_METHOD"), keyed, headers, body)
  end
end
function request()
  next_index = next_index % #prepared + 1
  return prepared[next_index]
end
function done(summary, latency, _requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"durationUs":%d,"status":%d,"socket":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

interface WrkSummary {
  readonly requests: number;
  readonly durationUs: number;
  readonly status: number;
  readonly socket: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

/** Runs the load for `durationSeconds` and reports what wrk counted. */
export async function runHttpLoad(input: HttpLoadInput): Promise<HttpLoadResult> {
  const script = join(input.scratchDir, 'http-load.lua');
  await writeFile(script, SCRIPT);
  const args = ['--threads', '1', '--connections', String(input.connections), '--duration', `${input.durationSeconds}s`, '--script', script, input.origin];
  const env = { ...process.env, LOAD_KEYS: String(input.keys), LOAD_PATH: input.path, LOAD_METHOD: input.method, LOAD_BODY: input.body ?? '' };
  const output = await new Promise<string>((resolve, reject) => {
    execFile('wrk', args, { env }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new Error(`The HTTP benchmark needs wrk on PATH: run it through npm run bench (which installs Debian's wrk as root), or apt-get install wrk.`));
      } else if (error) reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
  const line = output.trim().split('\n').pop() ?? '';
  let summary: WrkSummary;
  try {
    summary = JSON.parse(line) as WrkSummary;
  } catch {
    throw new Error(`wrk printed no summary; its output was:\n${output}`);
  }
  return {
    requests: summary.requests,
    elapsedMs: summary.durationUs / 1000,
    failedStatuses: summary.status,
    socketErrors: summary.socket,
    latencyMs: { p50: summary.p50Us / 1000, p99: summary.p99Us / 1000 },
  };
}
