import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();

async function checkReports(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/api-report.mjs'), '--check', ...args], { cwd: ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

// Needs the build in dist/ (npm test builds before running the suites).
describe('the public API report (api/*.api.md)', () => {
  it('matches the built declarations of jetstate, jetstate/nestjs and jetstate/aggregators', { timeout: 240_000 }, async () => {
    const { code, output } = await checkReports();
    expect(output).not.toContain('differs');
    expect(code).toBe(0);
  });

  it('fails, naming the entry and the command to run, when an export is missing from a report', { timeout: 240_000 }, async () => {
    const folder = await mkdtemp(join(tmpdir(), 'api-report-'));
    try {
      await cp(join(ROOT, 'api'), folder, { recursive: true });
      const report = join(folder, 'jetstate-aggregators.api.md');
      const text = await readFile(report, 'utf8');
      const edited = text.replace(/^export class Counter\b/m, 'export class RenamedCounter');
      expect(edited).not.toBe(text);
      await writeFile(report, edited);
      const { code, output } = await checkReports('--reports', folder, '--entry', 'jetstate-aggregators');
      expect(code).toBe(1);
      expect(output).toContain('jetstate-aggregators: differs from the checked-in report');
      expect(output).toContain('npm run api:update');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
