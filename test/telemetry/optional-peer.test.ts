import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(process.cwd(), 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('@opentelemetry/api as an optional peer', () => {
  it('is imported for its types only, and loaded at run time in one place, by import()', () => {
    const offending: string[] = [];
    const loaders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const source = readFileSync(file, 'utf8');
      const name = relative(process.cwd(), file);
      for (const match of source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'(@opentelemetry\/[^']+)'/gm)) {
        if (!match[1]) offending.push(`${name} imports ${match[2]} at run time`);
        else if (!name.startsWith('src/telemetry/')) offending.push(`${name} uses OpenTelemetry types outside src/telemetry`);
      }
      if (/require\(\s*'@opentelemetry/.test(source)) offending.push(`${name} requires OpenTelemetry`);
      if (/import\(\s*'@opentelemetry\/api'\s*\)/.test(source)) loaders.push(name);
    }
    expect(offending).toEqual([]);
    expect(loaders).toEqual(['src/telemetry/telemetry.ts']);
  });
});
