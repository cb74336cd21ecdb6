import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent, OrchestrationStatus } from '../../src/index';
import { tempDir } from '../helpers';
import { cleanups, requireCompiled, running } from './child-processes';
import { ACTIVITY_COUNT, MAX_CONCURRENT_ACTIVITIES, type FanOutResult } from './fixtures/fanout-child';

// The child runs as plain Node on tsc's output, not through the test transform.
const CHILD = join(process.cwd(), 'build/test/crash/fixtures/fanout-child.js');
const ACTIVITY_NAME = 'Squares.square';
/** The first child is killed once this many activities have reported `done`. */
const KILL_AFTER_DONE = 350;

const requireCompiledChild = (): void => requireCompiled(CHILD);

/** What one child process recorded in its run log. */
interface RunLog {
  /** Activity inputs in the order their executions started (an input twice: it ran twice). */
  readonly started: number[];
  readonly done: number[];
  readonly fanIn: boolean;
  readonly ended: boolean;
  readonly unexpected: string[];
}

function parseLog(text: string): RunLog {
  const log: RunLog & { fanIn: boolean; ended: boolean } = { started: [], done: [], fanIn: false, ended: false, unexpected: [] };
  const lines = text.split('\n');
  // A trailing fragment (a line cut by the kill) would be unterminated; writes are whole lines.
  if (lines.pop() !== '') log.unexpected.push('an unterminated last line');
  for (const line of lines) {
    const [kind, value] = line.split(' ');
    if (kind === 'start' && value !== undefined) log.started.push(Number(value));
    else if (kind === 'done' && value !== undefined) log.done.push(Number(value));
    else if (line === 'fan-in') log.fanIn = true;
    else if (line === 'ended') log.ended = true;
    else if (line !== 'ready') log.unexpected.push(line);
  }
  return log;
}

interface ChildRun {
  readonly log: RunLog;
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly stderr: string;
}

/**
 * Runs the child on `dataDir`, following its run log. With `killWhen`, the child is killed
 * with SIGKILL as soon as the log satisfies it; the run fails if the child ends by itself.
 */
async function runChild(args: readonly string[], logFile: string, killWhen?: (text: string) => boolean): Promise<ChildRun> {
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
  let killed = false;
  while (exit === undefined) {
    if (killWhen && !killed && existsSync(logFile) && killWhen(readFileSync(logFile, 'utf8'))) {
      killed = true;
      child.kill('SIGKILL');
    }
    await Promise.race([exited, delay(5)]);
  }
  const result: ChildRun = { log: parseLog(existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''), ...exit, stderr };
  if (killWhen && (!killed || exit.signal !== 'SIGKILL')) {
    throw new Error(`the child ended by itself (code ${exit.code}, signal ${exit.signal}) before the test killed it: ${stderr}`);
  }
  if (!killWhen && exit.code !== 0) throw new Error(`the restarted child failed (code ${exit.code}, signal ${exit.signal}): ${stderr}`);
  return result;
}

function countDone(text: string): number {
  let count = 0;
  for (let i = text.indexOf('done '); i !== -1; i = text.indexOf('done ', i + 5)) count++;
  return count;
}

/** Activity inputs by step, from a history's `TaskScheduled` events. */
function scheduledInputs(history: readonly HistoryEvent[]): Map<number, number> {
  const inputs = new Map<number, number>();
  for (const event of history) {
    if (event.kind === 'TaskScheduled' && event.name === ACTIVITY_NAME) inputs.set(event.seq, event.input as number);
  }
  return inputs;
}

/** The inputs of the activities whose `TaskCompleted` is in `history`; an answered step twice is reported. */
function completedInputs(history: readonly HistoryEvent[]): { inputs: Set<number>; duplicateSteps: number[]; unknownSteps: number[] } {
  const scheduled = scheduledInputs(history);
  const inputs = new Set<number>();
  const steps = new Set<number>();
  const duplicateSteps: number[] = [];
  const unknownSteps: number[] = [];
  for (const event of history) {
    if (event.kind !== 'TaskCompleted') continue;
    if (steps.has(event.seq)) duplicateSteps.push(event.seq);
    steps.add(event.seq);
    const input = scheduled.get(event.seq);
    if (input === undefined) unknownSteps.push(event.seq);
    else inputs.add(input);
  }
  return { inputs, duplicateSteps, unknownSteps };
}

function counts(values: readonly number[]): Map<number, number> {
  const result = new Map<number, number>();
  for (const v of values) result.set(v, (result.get(v) ?? 0) + 1);
  return result;
}

function expectNone(what: string, values: readonly number[]): void {
  expect(values, `${what}: ${values.length}, e.g. ${values.slice(0, 20).join(', ')}`).toHaveLength(0);
}

const ALL = Array.from({ length: ACTIVITY_COUNT }, (_, n) => n);
const EXPECTED: FanOutResult = { squares: ALL.map((n) => n * n), sum: ALL.reduce((sum, n) => sum + n * n, 0) };

interface Recovery {
  /** Activities that ran in both processes. */
  readonly reRun: number[];
  /** Activities whose result the killed process had committed to the history. */
  readonly committedAtCrash: Set<number>;
}

/**
 * The checks common to both kill points: the right result, every activity completed, none
 * ran twice in one process, and an activity ran in both processes only if its result was
 * not yet committed at the kill (it was in flight), at most as many as can be in flight.
 */
function expectRecovered(first: ChildRun, second: ChildRun, statusFile: string): Recovery {
  expect(first.log.unexpected, 'unexpected lines from the killed child').toEqual([]);
  expect(second.log.unexpected, 'unexpected lines from the restarted child').toEqual([]);
  expect(second.log.ended).toBe(true);

  const { atCrash, final } = JSON.parse(readFileSync(statusFile, 'utf8')) as { atCrash: OrchestrationStatus | null; final: OrchestrationStatus | null };

  // The result is exactly right.
  expect(final?.runtimeStatus, `final status ${JSON.stringify(final?.failureDetails)}`).toBe('Completed');
  expect(final!.output).toEqual(EXPECTED);

  // The final history schedules each input once and answers each step once.
  const finalHistory = final!.history!;
  const scheduled = scheduledInputs(finalHistory);
  expect([...scheduled.values()].sort((a, b) => a - b)).toEqual(ALL);
  expect([...scheduled.keys()].sort((a, b) => a - b)).toEqual(ALL.map((_, i) => i));
  const finalCompleted = completedInputs(finalHistory);
  expectNone('steps answered twice in the final history', finalCompleted.duplicateSteps);
  expectNone('answers to unscheduled steps in the final history', finalCompleted.unknownSteps);
  expect(finalCompleted.inputs.size).toBe(ACTIVITY_COUNT);
  expect(finalHistory.at(-1)?.kind).toBe('ExecutionCompleted');

  // What the killed process had committed: the instance was running, the fan-out scheduled
  // (the same steps as in the end) and not every result recorded yet.
  expect(atCrash?.runtimeStatus).toBe('Running');
  const crashHistory = atCrash!.history!;
  expect(crashHistory.length).toBeLessThan(finalHistory.length);
  expect(crashHistory).toEqual(finalHistory.slice(0, crashHistory.length));
  expect(scheduledInputs(crashHistory)).toEqual(scheduled);
  const committed = completedInputs(crashHistory);
  expectNone('steps answered twice in the history at the crash', committed.duplicateSteps);
  expect(committed.inputs.size).toBeLessThan(ACTIVITY_COUNT);

  // Every activity ran to completion at least once; no process ran one twice.
  const startedFirst = counts(first.log.started);
  const startedSecond = counts(second.log.started);
  const doneFirst = new Set(first.log.done);
  const doneSecond = new Set(second.log.done);
  expectNone(
    'activities that never completed',
    ALL.filter((n) => !doneFirst.has(n) && !doneSecond.has(n)),
  );
  expectNone(
    'activities run twice by the killed process',
    [...startedFirst].filter(([, c]) => c > 1).map(([n]) => n),
  );
  expectNone(
    'activities run twice by the restarted process',
    [...startedSecond].filter(([, c]) => c > 1).map(([n]) => n),
  );
  expectNone(
    'activities done without a start',
    [...first.log.done, ...second.log.done].filter((n) => !startedFirst.has(n) && !startedSecond.has(n)),
  );
  expectNone(
    'activities recorded in the history at the crash that the killed process never finished',
    [...committed.inputs].filter((n) => !doneFirst.has(n)),
  );

  // The killed process never had more activities running than its concurrency limit.
  const inFlightAtKill = [...startedFirst.keys()].filter((n) => !doneFirst.has(n));
  expect(inFlightAtKill.length, `started but not done at the kill: ${inFlightAtKill.join(', ')}`).toBeLessThanOrEqual(MAX_CONCURRENT_ACTIVITIES);
  // Re-runs (activities that ran in both processes): only those in flight at the kill. The
  // evidence of "completed" available after the restart is the TaskCompleted in the history
  // the killed process committed: none of those may run again. An activity that had returned
  // (`done`) but whose answer was not yet stored may legitimately run again; one whose answer
  // was stored but not yet applied to the history must not, which only the count can catch:
  // answers are stored by the slot that ran the activity, so at most the concurrency limit of
  // activities can be without a stored answer at any moment.
  const reRun = ALL.filter((n) => startedFirst.has(n) && startedSecond.has(n));
  expectNone(
    'activities re-run although their result was committed before the kill',
    reRun.filter((n) => committed.inputs.has(n)),
  );
  expect(reRun.length, `re-run activities: ${reRun.join(', ')}`).toBeLessThanOrEqual(MAX_CONCURRENT_ACTIVITIES);
  return { reRun, committedAtCrash: committed.inputs };
}

async function freshDirs(): Promise<{ dataDir: string; firstLog: string; secondLog: string; statusFile: string }> {
  const dir = await tempDir('jetstate-orchestration-crash-');
  cleanups.push(dir.remove);
  return {
    dataDir: join(dir.path, 'data'),
    firstLog: join(dir.path, 'first.log'),
    secondLog: join(dir.path, 'second.log'),
    statusFile: join(dir.path, 'status.json'),
  };
}

describe('SIGKILL during an orchestration that fans out 1,000 activities', () => {
  it('killed mid fan-out: completes with the right result after a restart, re-running only activities in flight at the kill', async () => {
    requireCompiledChild();
    const { dataDir, firstLog, secondLog, statusFile } = await freshDirs();

    const first = await runChild([dataDir, firstLog, 'first', statusFile], firstLog, (text) => countDone(text) >= KILL_AFTER_DONE);
    // Killed with a good part of the activities done, but not all.
    expect(first.log.done.length).toBeGreaterThanOrEqual(KILL_AFTER_DONE);
    expect(first.log.done.length).toBeLessThan(ACTIVITY_COUNT);

    const second = await runChild([dataDir, secondLog, 'restart', statusFile], secondLog);
    const { committedAtCrash } = expectRecovered(first, second, statusFile);
    // The killed process had committed results to the history, which the restart built on.
    expect(committedAtCrash.size).toBeGreaterThan(0);
  });

  it('killed while the orchestrator is mid-turn at the fan-in: completes after a restart and re-runs no activity', async () => {
    requireCompiledChild();
    const { dataDir, firstLog, secondLog, statusFile } = await freshDirs();

    const first = await runChild([dataDir, firstLog, 'first', statusFile, 'spin-at-fan-in'], firstLog, (text) => text.includes('fan-in\n'));
    expect(first.log.fanIn).toBe(true);
    // The turn that received the last results was running: every activity had returned.
    expect(new Set(first.log.done).size).toBe(ACTIVITY_COUNT);

    const second = await runChild([dataDir, secondLog, 'restart', statusFile], secondLog);
    const { reRun } = expectRecovered(first, second, statusFile);
    // All answers were stored before the fan-in turn could start, so nothing was in flight.
    expectNone('activities re-run although none was in flight at the kill', reRun);
    expect(second.log.started).toEqual([]);
  });
});
