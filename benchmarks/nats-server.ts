import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A nats-server with JetStream on a free loopback port, storing in its own temporary directory. */
export interface BenchNatsServer {
  readonly url: string;
  readonly storeDir: string;
  /** The server process id (for `ps`/`perf` while the benchmark runs). */
  readonly pid: number;
  /** Stops the server and removes its store. */
  dispose(): Promise<void>;
}

function binary(): string {
  for (const candidate of [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return 'nats-server';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number, storeDir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary(), ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not become ready within 15 s:\n${output}`));
    }, 15_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not start nats-server (${error.message}). Install it (apt-get install nats-server) or set NATS_SERVER_BIN.`));
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

/** Starts a fresh nats-server with JetStream (file storage in a new temporary directory) on a free loopback port. */
export async function startNatsServer(): Promise<BenchNatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), 'jetstate-bench-nats-'));
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = await launch(port, storeDir);
  } catch (error) {
    await rm(storeDir, { recursive: true, force: true });
    throw error;
  }
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  // A benchmark that dies must not leave the server running.
  process.once('exit', kill);
  return {
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    pid: child.pid!,
    async dispose() {
      process.off('exit', kill);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
