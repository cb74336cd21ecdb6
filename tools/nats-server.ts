import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A nats-server with JetStream on a free loopback port with its own store directory,
 * started by a test or a benchmark.
 */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** The running server's process id (for CPU accounting), or 0 while it is stopped. */
  readonly pid: number;
  /** Stops the server gracefully (it flushes its store); `start` brings it back on the same port and store. */
  stop(): Promise<void>;
  /** SIGKILLs the server (nothing is flushed) and waits until it is gone; `start` brings it back on the same port and store. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its store. */
  dispose(): Promise<void>;
}

function binary(): string {
  for (const candidate of [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return 'nats-server';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Starts nats-server with JetStream on a loopback port and store, plus `extraArgs`; resolves once it is ready. */
export function launch(port: number, storeDir: string, extraArgs: readonly string[] = []): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary(), ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir, ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not become ready within 15 s:\n${output}`));
    }, 15_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not start nats-server (${error.message}). Install it: sudo apt-get install nats-server`));
    });
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Server is ready')) {
        clearTimeout(timer);
        // Keep draining stderr so a chatty server never blocks on a full pipe.
        child.stderr!.off('data', onOutput);
        child.stderr!.resume();
        resolve(child);
      }
    };
    child.stderr!.on('data', onOutput);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with code ${code} before it was ready:\n${output}`));
    });
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a fresh nats-server with JetStream on a free loopback port. */
export async function startNatsServer(): Promise<NatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), 'jetstate-nats-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  try {
    child = await launch(port, storeDir);
  } catch (error) {
    await rm(storeDir, { recursive: true, force: true });
    throw error;
  }
  // A process that dies must not leave its server running.
  const kill = (): void => void child?.kill('SIGKILL');
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    if (!child) return;
    const running = child;
    child = undefined;
    running.kill('SIGTERM');
    await exited(running);
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return child?.pid ?? 0;
    },
    stop,
    async kill() {
      if (!child) return;
      const running = child;
      child = undefined;
      running.kill('SIGKILL');
      await exited(running);
    },
    async start() {
      if (!child) child = await launch(port, storeDir);
    },
    async dispose() {
      process.off('exit', kill);
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
