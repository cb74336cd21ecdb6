import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI_DIR = join(process.cwd(), 'src/cli');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('command line layering', () => {
  it('src/cli reaches hubs and apps only through the client and the HTTP API: no engine module, no NATS or LevelDB package', () => {
    const files = sources(CLI_DIR);
    expect(files.length).toBeGreaterThan(10);
    const offending: string[] = [];
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      for (const [, target] of source.matchAll(/(?:from |import\()'([^']+)'/g)) {
        if (/\/engine\/|^nats$|^level$|classic-level/.test(target!)) offending.push(`${relative(CLI_DIR, file)} imports ${target}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
