import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { startNatsServer, type NatsServer } from '../../tools/nats-server';
import { cleanups, requireCompiled, running } from './child-processes';
import type { CrashEngineConfig } from './fixtures/rewind-child';

// The child runs as plain Node on tsc's output, not through the test transform.
const CHILD = join(process.cwd(), 'build/test/crash/fixtures/rewind-child.js');

/** Runs the child to its end, or kills it with SIGKILL once its log contains every line of `killAt`. Returns the log. */
async function runChild(engine: CrashEngineConfig, phase: string, logFile: string, deadlineMs: number, killAt?: readonly string[]): Promise<string> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(engine), logFile, phase], { stdio: ['ignore', 'ignore', 'pipe'] });
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
  const deadline = Date.now() + deadlineMs;
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  while (exit === undefined) {
    if (killAt !== undefined && killAt.every((line) => log().includes(line))) child.kill('SIGKILL');
    if (Date.now() > deadline) child.kill('SIGKILL');
    await Promise.race([exited, delay(5)]);
  }
  if (killAt !== undefined && exit.signal !== 'SIGKILL') throw new Error(`the child ended by itself (code ${exit.code}) before it was killed: ${stderr}`);
  if (killAt === undefined && exit.code !== 0) throw new Error(`the child failed (code ${exit.code}, signal ${exit.signal}): ${stderr}`);
  return log();
}

/** How one engine keeps the child's instances between its runs. */
interface CrashEngine {
  readonly name: string;
  /** The storage of one test's three runs. */
  config(dir: string): CrashEngineConfig;
  /** How long the recovering run may take: on NATS, a task the killed worker held comes back after the activity ack wait. */
  readonly recoverMs: number;
}

let nats: NatsServer | undefined;
let hubs = 0;

const ENGINES: readonly CrashEngine[] = [
  { name: 'embedded', config: (dir) => ({ dataDir: join(dir, 'data') }), recoverMs: 30_000 },
  // A 10 s ack wait (60 s by default) brings the killed worker's tasks back sooner; the hanging
  // activities are renewed every third of it, so they stay taken until the kill.
  {
    name: 'nats',
    config: (dir) => ({ nats: nats!.url, hub: `rw${process.pid}_${++hubs}`, dataDir: join(dir, 'worker'), activityAckWaitMs: 10_000 }),
    recoverMs: 60_000,
  },
];

describe.each(ENGINES)('rewind and restart survive a SIGKILL [$name]', (engine) => {
  beforeAll(async () => {
    if (engine.name === 'nats') nats = await startNatsServer();
  });
  afterAll(async () => {
    if (engine.name === 'nats') await nats?.dispose();
  });

  it('killed while the activities they run again are in flight, both instances complete after the restart', async () => {
    requireCompiled(CHILD);
    const dir = await tempDir(`jetstate-rewind-crash-`);
    cleanups.push(dir.remove);
    const logFile = join(dir.path, 'run.log');
    const config = engine.config(dir.path);

    const failed = await runChild(config, 'fail', logFile, 60_000);
    expect(failed).toContain('status rw Failed');
    expect(failed).toContain('status rs Failed');
    const killed = await runChild(config, 'hang', logFile, 60_000, ['requested', 'start hang rw', 'start hang rs']);
    expect(killed).toContain('requested');

    const log = (await runChild(config, 'recover', logFile, engine.recoverMs)).trim().split('\n');
    // The two statuses are the run's last; an activity's start may be logged between them.
    expect(log.filter((line) => line.startsWith('status ')).slice(-2)).toEqual([
      `status rw Completed ["rw prepared","rw ok"] 2`,
      `status rs Completed ["rs prepared","rs ok"] 2`,
    ]);
    // A rewind keeps the step that had succeeded; a restart runs it again.
    expect(log.filter((line) => line.startsWith('prepare ') && line.endsWith(' rw'))).toEqual(['prepare fail rw']);
    expect(log.filter((line) => line.startsWith('prepare ') && line.endsWith(' rs'))).toEqual(['prepare fail rs', 'prepare hang rs']);
    for (const label of ['rw', 'rs']) {
      expect(log.filter((line) => line.startsWith('start ') && line.endsWith(` ${label}`))).toEqual([
        `start fail ${label}`,
        `start hang ${label}`,
        `start recover ${label}`,
      ]);
    }
  }, 240_000);
});
