import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { cli, requireBuilt } from './cli-harness';

const COMMANDS = [
  'signal',
  'call',
  'read',
  'list',
  'watch',
  'delete',
  'start',
  'status',
  'instances',
  'raise',
  'terminate',
  'suspend',
  'resume',
  'rewind',
  'restart',
  'purge',
  'wait',
  'dlq',
  'dlq list',
  'dlq show',
  'dlq replay',
  'dlq purge',
  'serve',
  'worker',
];
// Nothing listens there.
const NOWHERE = ['--url', 'http://127.0.0.1:9'];

describe('jetstate usage: help, arguments, connection settings and exit codes', { timeout: 60_000 }, () => {
  beforeAll(() => requireBuilt());

  it('has --help with examples on every command, exit 0', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const command of COMMANDS.filter((c) => !c.includes(' '))) expect(top.stdout).toMatch(new RegExp(`\\n  ${command}\\b`));
    expect(top.stdout).toContain('JETSTATE_NATS');
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 the operation failed, 2 usage or connection error');
    const helps = await Promise.all(COMMANDS.map((command) => cli([...command.split(' '), '--help'])));
    helps.forEach((help, i) => {
      expect(help.code, COMMANDS[i]).toBe(0);
      expect(help.stdout, COMMANDS[i]).toContain(`Usage: jetstate ${COMMANDS[i]}`);
      expect(help.stdout, COMMANDS[i]).toContain('Examples:\n  $ jetstate ');
    });
    const version = await cli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 on an unknown command or option, or missing arguments', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const option = await cli(['list', '--colour', ...NOWHERE]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--colour'");
    const missing = await cli(['signal', 'Counter/a', ...NOWHERE]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'operation'");
    expect((await cli([])).code).toBe(2);
    expect((await cli(['dlq'])).code).toBe(2);
  });

  it('exits 2 on arguments it cannot use, before connecting', async () => {
    const cases: [string[], string][] = [
      [['signal', 'Counter', 'add', '1'], "'Counter' is not an entity: write it as <Name>/<key>"],
      [['signal', 'Counter/a', 'add', '{oops'], "The input '{oops' is not valid JSON"],
      [['raise', 'i-1', 'go', 'not json'], 'The event data'],
      [['list', '--since', 'yesterday'], "--since 'yesterday' is neither an ISO 8601 date"],
      [['instances', '--status', 'Sleeping'], "'Sleeping' is not a status here"],
      [['purge'], 'Say what to purge'],
      [['purge', 'i-1', '--status', 'Completed'], 'not both'],
      [['purge', '--status', 'Running'], "'Running' is not a status here: use Completed, Failed, Terminated"],
      [['wait', 'i-1', '--timeout', 'soon'], '--timeout must be a positive number of seconds'],
      [['list', '--limit', '0'], '--limit must be a positive integer'],
      [['dlq', 'replay', '3', '--all'], 'one or the other'],
    ];
    for (const [args, message] of cases) {
      const result = await cli([...args, ...NOWHERE]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('exits 2 when it is not told where to connect, or told two places', async () => {
    const nowhere = await cli(['list']);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('Say where to connect: --nats');
    const both = await cli(['list', '--url', 'http://127.0.0.1:9'], { JETSTATE_NATS: 'nats://127.0.0.1:4222' });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
    const notUrl = await cli(['list', '--url', 'localhost:7071']);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toContain('must start with http://');
    const json = await cli(['list', '--json']);
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'JETSTATE_CLI_USAGE', message: expect.stringContaining('Say where to connect') } });
    expect(json.stdout).toBe('');
  });

  it('worker refuses a missing module, a module without classes, and --url; serve needs --nats', async () => {
    const dir = await tempDir('jetstate-cli-usage-');
    try {
      const missing = await cli(['worker', join(dir.path, 'nope.js')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('No module at');
      const empty = join(dir.path, 'empty.js');
      await writeFile(empty, 'exports.something = 1;\n');
      const noClasses = await cli(['worker', empty, '--data-dir', join(dir.path, 'data')]);
      expect(noClasses.code).toBe(2);
      expect(noClasses.stderr).toContain('exports no entities, orchestrators or activities');
      const broken = join(dir.path, 'broken.js');
      await writeFile(broken, "throw new Error('module failed on load');\n");
      const failing = await cli(['worker', broken]);
      expect(failing.code).toBe(1);
      expect(failing.stderr).toContain('module failed on load');
      expect((await cli(['worker', empty, '--url', 'http://127.0.0.1:9'])).code).toBe(2);
      const serve = await cli(['serve', '--port', '0']);
      expect(serve.code).toBe(2);
      expect(serve.stderr).toContain('serve puts the HTTP API in front of a NATS hub');
    } finally {
      await dir.remove();
    }
  });
});
