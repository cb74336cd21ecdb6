import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { integerArg } from '../lib/bench-args';

/**
 * Summarizes `.cpuprofile` files written by `node --cpu-prof`: the functions with the most
 * self time, the same grouped by file, and the inclusive (total) time of jetstate's own
 * functions. Usage:
 *
 *   node build/benchmarks/standalone/cpu-profile-summary.js [--top=N] [--filter=TEXT] <file.cpuprofile>...
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const root = process.cwd();

function place(url: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  const shown = path.startsWith('/') ? relative(root, path) : path;
  return shown.replace(/^node_modules\//, '');
}

function frameName(node: ProfileNode): string {
  const f = node.callFrame;
  return `${f.functionName || '(anonymous)'} ${place(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
}

function summarize(file: string, top: number, filter: string | undefined): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalMicros = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfMicros].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName)).reduce((a, [, v]) => a + v, 0);
  const busy = totalMicros - idle;
  const pct = (micros: number): string => `${((micros / busy) * 100).toFixed(1).padStart(5)}%`;

  const selfByFrame = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const inclusiveByFrame = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id)!;
    if (['(idle)', '(program)'].includes(node.callFrame.functionName)) continue;
    selfByFrame.set(frameName(node), (selfByFrame.get(frameName(node)) ?? 0) + micros);
    const fileName = place(node.callFrame.url);
    selfByFile.set(fileName, (selfByFile.get(fileName) ?? 0) + micros);
    // Inclusive time: charge every distinct frame on the stack once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = frameName(byId.get(at)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusiveByFrame.set(name, (inclusiveByFrame.get(name) ?? 0) + micros);
    }
  }
  const list = (map: Map<string, number>, n: number, keep: (name: string) => boolean = () => true): string[] =>
    [...map]
      .filter(([name]) => keep(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => `  ${pct(micros)}  ${name}`);

  const seconds = (profile.endTime - profile.startTime) / 1e6;
  console.log(
    `\n== ${file}: ${seconds.toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / 1e6 / seconds) * 100).toFixed(0)}% of the main thread); percentages are of busy time`,
  );
  console.log('self time, by function:');
  console.log(list(selfByFrame, top, filter ? (name) => name.includes(filter) : undefined).join('\n'));
  console.log('self time, by file:');
  console.log(list(selfByFile, top).join('\n'));
  console.log('inclusive time, jetstate and nats.js functions:');
  console.log(list(inclusiveByFrame, top, (name) => /build\/src\/|nats\/lib\//.test(name) && (!filter || name.includes(filter))).join('\n'));
}

function main(): void {
  const { values, positionals: files } = parseArgs({
    strict: true,
    allowPositionals: true,
    options: { top: { type: 'string' }, filter: { type: 'string' } },
  });
  if (files.length === 0) throw new Error('usage: cpu-profile-summary [--top=N] [--filter=TEXT] <file.cpuprofile>...');
  for (const file of files) summarize(file, integerArg('top', values.top, 25), values.filter);
}

main();
