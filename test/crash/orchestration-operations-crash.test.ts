import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { cleanups, requireCompiled, running } from './child-processes';

// The child runs as plain Node on tsc's output, not through the test transform.
const CHILD = join(process.cwd(), 'build/test/crash/fixtures/rewind-child.js');

/** Runs the child to its end, or kills it with SIGKILL once its log contains `killAt`. Returns the log. */
async function runChild(args: readonly string[], logFile: string, killAt?: string): Promise<string> {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      running.delete(child);
      exit = { code, signal };
      resolve();
    });
  });
  const deadline = Date.now() + 30_000;
  while (exit === undefined) {
    if (killAt !== undefined && existsSync(logFile) && readFileSync(logFile, 'utf8').includes(killAt)) child.kill('SIGKILL');
    if (Date.now() > deadline) child.kill('SIGKILL');
    await Promise.race([exited, delay(5)]);
  }
  if (killAt !== undefined && exit.signal !== 'SIGKILL') throw new Error(`the child ended by itself (code ${exit.code}) before it was killed: ${stderr}`);
  if (killAt === undefined && exit.code !== 0) throw new Error(`the child failed (code ${exit.code}, signal ${exit.signal}): ${stderr}`);
  return existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
}

describe('rewind and restart survive a SIGKILL', () => {
  it.each(['rewind', 'restart'] as const)('%s: killed while the activity it runs again is in flight, the instance completes after the restart', async (operation) => {
    requireCompiled(CHILD);
    const dir = await tempDir(`jetstate-${operation}-crash-`);
    cleanups.push(dir.remove);
    const logFile = join(dir.path, 'run.log');
    const data = join(dir.path, 'data');

    expect(await runChild([data, logFile, 'fail'], logFile)).toContain('status Failed');
    const killed = await runChild([data, logFile, 'hang', operation], logFile, 'start hang');
    expect(killed).toContain('requested');

    const log = (await runChild([data, logFile, 'recover'], logFile)).trim().split('\n');
    expect(log.at(-1)).toBe(`status Completed ["op prepared","op ok"] 2`);
    // A rewind keeps the step that had succeeded; a restart runs it again.
    expect(log.filter((line) => line.startsWith('prepare '))).toEqual(operation === 'rewind' ? ['prepare fail'] : ['prepare fail', 'prepare hang']);
    expect(log.filter((line) => line.startsWith('start '))).toEqual(['start fail', 'start hang', 'start recover']);
  }, 90_000);
});
