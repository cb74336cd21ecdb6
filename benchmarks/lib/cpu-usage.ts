import { readFileSync } from 'node:fs';
import { nowMs } from './stats';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every common configuration. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a process has used so far, or undefined where /proc is not available. */
function cpuSecondsOf(pid: number): number | undefined {
  if (pid === process.pid) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after its ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds the calling process's main thread has used so far (Linux: its task entry in
 * /proc, whose id is the process id), or undefined elsewhere. Worker threads and the
 * libuv pool are not counted, unlike `process.cpuUsage()`.
 */
export function mainThreadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has spent busy (all cores, everything but idle and I/O wait), from /proc/stat. */
function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * How busy each process was over an interval, in cores (1 = one core fully used; threads
 * can make it exceed 1), plus `other`: the rest of the machine (everything else running on
 * a shared machine), so a disturbed run can be told apart.
 */
export type CpuBusy = Record<string, number | undefined>;

/**
 * Starts measuring the CPU time of named processes; the returned function gives each
 * one's busy cores since then. Counts are at the 10 ms resolution of /proc.
 */
export function startCpuMeter(pids: Readonly<Record<string, readonly number[]>>): () => CpuBusy {
  const start = nowMs();
  const before = Object.fromEntries(Object.entries(pids).map(([name, list]) => [name, list.map(cpuSecondsOf)]));
  const machineBefore = machineBusySeconds();
  return () => {
    const seconds = (nowMs() - start) / 1000;
    const machineAfter = machineBusySeconds();
    const busy: CpuBusy = {};
    for (const [name, list] of Object.entries(pids)) {
      let total = 0;
      let known = true;
      list.forEach((pid, i) => {
        const now = cpuSecondsOf(pid);
        const then = before[name]![i];
        if (now === undefined || then === undefined) known = false;
        else total += now - then;
      });
      busy[name] = known ? total / seconds : undefined;
    }
    const ours = Object.values(busy);
    busy.other =
      machineBefore === undefined || machineAfter === undefined || ours.some((v) => v === undefined)
        ? undefined
        : Math.max(0, (machineAfter - machineBefore) / seconds - ours.reduce<number>((sum, v) => sum + v!, 0));
    return busy;
  };
}
