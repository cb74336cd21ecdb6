import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();

function importsOf(dir: string): { file: string; target: string }[] {
  return readdirSync(join(ROOT, dir))
    .filter((name) => name.endsWith('.ts'))
    .flatMap((file) => [...readFileSync(join(ROOT, dir, file), 'utf8').matchAll(/(?:from|import) '([^']+)'/g)].map(([, target]) => ({ file: `${dir}/${file}`, target: target! })));
}

describe('NestJS module layering', () => {
  it('src/nestjs depends on the app and client layers (and the decorators, errors and public types), never on an engine or the runtime', () => {
    const allowed = /^(\.\/|\.\.\/app\/|\.\.\/client\/|\.\.\/errors$|\.\.\/index$|\.\.\/\.\.\/decorators$|@nestjs\/(common|core)$|class-transformer$)/;
    const offending = importsOf('src/nestjs').filter(({ target }) => !allowed.test(target));
    expect(offending).toEqual([]);
  });

  it('no module outside src/nestjs imports Nest, so the core library never loads it', () => {
    const dirs = (dir: string): string[] => [
      dir,
      ...readdirSync(join(ROOT, dir), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .flatMap((entry) => dirs(`${dir}/${entry.name}`)),
    ];
    const offending = [...dirs('src'), 'decorators']
      .filter((dir) => dir !== 'src/nestjs')
      .flatMap(importsOf)
      .filter(({ target }) => target.startsWith('@nestjs/') || /\/nestjs(\/|$)/.test(target));
    expect(offending).toEqual([]);
  });
});
