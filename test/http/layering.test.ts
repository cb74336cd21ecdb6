import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const HTTP_DIR = join(process.cwd(), 'src/http');

describe('HTTP API layering', () => {
  it('src/http reaches the engines only through the client: it imports no engine module and no NATS or LevelDB package', () => {
    const offending: string[] = [];
    for (const file of readdirSync(HTTP_DIR).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(join(HTTP_DIR, file), 'utf8');
      for (const [, target] of source.matchAll(/from '([^']+)'/g)) {
        if (/\/engine\/|^nats$|^level$|classic-level/.test(target!)) offending.push(`${file} imports ${target}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
