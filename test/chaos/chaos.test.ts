import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requireCompiledWorker } from './chaos-cluster';
import { chaosSeed } from './prng';

// The short version of the randomized fault suite; the long one is `npm run chaos` (see
// docs/chaos.md). It runs the same command-line program on tsc's output, like the workers,
// so both versions drive the same load outside the test transform. CHAOS_SEED replays a run.
// Settling may take up to 60 s: next to other suites on a 2-core machine the workers can
// still be working off a backlog of several thousand inputs when the faults stop.
const CLI = join(process.cwd(), 'build/test/chaos/chaos-cli.js');

interface JsonReport {
  readonly seed: number;
  readonly problems: readonly string[];
  readonly faultCounts: Record<string, number>;
  readonly signals: { readonly acked: number };
  readonly transfers: { readonly transferred: number };
}

let child: ChildProcess | undefined;
afterEach(() => {
  // SIGTERM: the program then kills its workers and nats-server on the way out.
  if (child && child.exitCode === null) child.kill('SIGTERM');
});

function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) console.log(line);
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

describe('chaos: randomized faults under load on NATS', () => {
  it('applies every acknowledged signal exactly once, keeps the bank total, and leaves no transfer running or account locked', async () => {
    requireCompiledWorker();
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run compile\` first (npm test does it).`);
    const seed = chaosSeed();
    console.log(`chaos seed ${seed} (replay with CHAOS_SEED=${seed})`);
    const { code, stdout } = await runCli(['--seed', String(seed), '--duration', '60', '--settle', '60', '--server-kills', '0.5', '--json']);
    expect(stdout, `chaos run with seed ${seed} printed no report (exit code ${code})`).not.toBe('');
    const report = JSON.parse(stdout) as JsonReport;
    const replay = `seed ${seed} (replay with CHAOS_SEED=${seed})`;

    expect(report.problems, `chaos run with ${replay} failed:\n${report.problems.map((p) => `- ${p}`).join('\n')}`).toEqual([]);
    expect(code, replay).toBe(0);
    // The run mattered: every kind of fault happened while work was acknowledged.
    expect(report.faultCounts, replay).toEqual({ workerKill: expect.any(Number), workerStop: expect.any(Number), serverKill: expect.any(Number) });
    for (const count of Object.values(report.faultCounts)) expect(count, replay).toBeGreaterThan(0);
    expect(report.signals.acked, replay).toBeGreaterThan(10_000);
    expect(report.transfers.transferred, replay).toBeGreaterThan(0);
  }, 240_000);
});
