/** A NATS hub's worker in a process of its own (plain Node on tsc's output), for the tests of a client-only HTTP server. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { requireCompiled } from '../crash/child-processes';

/** The compiled worker: `npm run compile` writes it. */
export const HTTP_WORKER = join(process.cwd(), 'build/test/http/fixtures/http-worker.js');

/** Starts a worker hosting the HTTP fixtures on hub `hub` and resolves once it says `ready`. */
export function startHttpWorker(nats: string, hub: string, dataDir: string): Promise<ChildProcess> {
  requireCompiled(HTTP_WORKER);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HTTP_WORKER, JSON.stringify({ nats, hub, dataDir })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => reject(new Error(`the worker was not ready within 20 s: ${stderr}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited with code ${code}: ${stderr}`));
    });
  });
}

/** Stops a worker with SIGTERM (a graceful stop) and waits for it to exit. */
export async function stopHttpWorker(worker: ChildProcess | undefined): Promise<void> {
  if (!worker || worker.exitCode !== null || worker.signalCode !== null) return;
  const gone = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGTERM');
  await gone;
}
