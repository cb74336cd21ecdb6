/**
 * Runs the real `jetstate` binary (dist/src/cli/main.js, built by `npm run build`) as a child
 * process: one-shot commands with their output and exit code, and long-running ones (watch,
 * serve, worker) read line by line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, vi } from 'vitest';

export const BIN = join(process.cwd(), 'dist/src/cli/main.js');
/** The worker module the tests host, compiled by tsc (`npm run compile`). */
export const APP_MODULE = join(process.cwd(), 'build/test/cli/fixtures/cli-app.js');
/** A key long enough for serveHttp. */
export const KEY = 'cli-test-key-0123456789';

export function requireBuilt(): void {
  for (const [path, script] of [
    [BIN, 'npm run build'],
    [APP_MODULE, 'npm run compile'],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`${script}\` before these tests (npm test does it).`);
  }
}

/** What a finished command printed and how it exited. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON. */
  json(): any;
}

/** The environment of a child: this one's, without JETSTATE_* (so only what a test sets counts), no colour. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('JETSTATE_') && name !== 'FORCE_COLOR'));
  return { ...base, NO_COLOR: '1', ...env };
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Runs `jetstate ...args` to the end (killed after `timeoutMs`). */
export function cli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`jetstate ${args.join(' ')} did not end within ${timeoutMs} ms.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({
        code,
        stdout,
        stderr,
        json: () => {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`stdout is not JSON: ${stdout}\nstderr: ${stderr}`);
          }
        },
      });
    });
  });
}

/** A `jetstate` process that keeps running (watch, serve, worker). */
export interface RunningCli {
  readonly child: ChildProcess;
  /** Lines printed on stdout so far. */
  readonly lines: string[];
  stderr(): string;
  /** Waits until a stdout line matches, and returns it. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process ends by itself (killed after `timeoutMs`). */
  exited(timeoutMs?: number): Promise<number | null>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export function startCli(args: readonly string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => (running.delete(child), resolve(code))));
  void exited.then(() => {
    for (const wake of waiters) wake();
  });
  return {
    child,
    lines,
    stderr: () => stderr,
    waitForLine: (match, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(match);
          if (found !== undefined) {
            done();
            resolve(found);
          } else if (child.exitCode !== null) {
            done();
            reject(
              new Error(`jetstate ${args.join(' ')} exited (${child.exitCode}) before printing the line.\nstdout: ${lines.join('\n')}\nstderr: ${stderr}`),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`No matching line from jetstate ${args.join(' ')} within ${timeoutMs} ms.\nstdout: ${lines.join('\n')}\nstderr: ${stderr}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    exited: async (timeoutMs = 20_000) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    stop: async (signal = 'SIGINT', timeoutMs = 15_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls `check` until it returns something other than undefined. */
export function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (value === undefined) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
      return value;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}

/** A command run on a pseudo-terminal by util-linux `script`: everything it wrote, raw. */
export interface PtyRun {
  output(): string;
  readonly exited: Promise<number | null>;
  kill(): void;
}

export function startPty(command: string): PtyRun {
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: childEnv({ NO_COLOR: '' }), stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`Could not run script (util-linux) for a pseudo-terminal: ${error.message}`)));
    child.once('close', (code) => (running.delete(child), resolve(code)));
  });
  return { output: () => output, exited, kill: () => void child.kill('SIGKILL') };
}
