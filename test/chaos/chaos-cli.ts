/**
 * The long version of the chaos suite, for release checks: `npm run chaos -- [options]`.
 *
 *   --seed N         replay a run (default: CHAOS_SEED, else random)
 *   --duration S     seconds of faults (default 300)
 *   --rate N         signals per second to aim for (default 2000; 0 = as fast as possible)
 *   --in-flight N    signals in flight (default 128)
 *   --transfers N    transfers in flight (default 16)
 *   --settle S       longest wait for the hub to go quiet after the faults (default 60)
 *   --server-kills F share of faults (after the first three) that kill nats-server (default 0.33)
 *   --json           print the report as JSON on stdout (progress and the table go to stderr)
 *
 * Exits 0 when every check passed, 1 when one failed, 2 on bad arguments.
 */
import { formatReport, reportJson } from './chaos-report';
import { chaosSeed } from './prng';
import { DEFAULT_SETTINGS, runChaos, type ChaosProgress, type ChaosSettings } from './run-chaos';

interface CliOptions {
  readonly seed: number;
  readonly settings: ChaosSettings;
  readonly json: boolean;
}

function parse(argv: readonly string[]): CliOptions {
  let seed = chaosSeed();
  let settings: ChaosSettings = { ...DEFAULT_SETTINGS, durationMs: 300_000, settleTimeoutMs: 60_000 };
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--json') {
      json = true;
      continue;
    }
    const value = argv[++i];
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a non-negative number`);
    switch (flag) {
      case '--seed':
        seed = chaosSeed(value);
        break;
      case '--duration':
        settings = { ...settings, durationMs: n * 1000 };
        break;
      case '--rate':
        settings = { ...settings, rate: n };
        break;
      case '--in-flight':
        settings = { ...settings, inFlight: Math.max(1, Math.floor(n)) };
        break;
      case '--transfers':
        settings = { ...settings, transfers: Math.max(1, Math.floor(n)) };
        break;
      case '--server-kills':
        if (n > 1) throw new Error('--server-kills is a share from 0 to 1');
        settings = { ...settings, serverKillShare: n };
        break;
      case '--settle':
        settings = { ...settings, settleTimeoutMs: n * 1000 };
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return { seed, settings, json };
}

function progressLine(p: ChaosProgress): string {
  const seconds = p.elapsedMs / 1000;
  return `[chaos] ${seconds.toFixed(0).padStart(4)} s  acked ${p.acked} (${Math.round(p.acked / Math.max(seconds, 1))}/s)  rejected ${p.rejected}  applied ${p.applied}  regressions ${p.stateRegressions}  transfers ${p.transfersEnded}/${p.transfersStarted}  faults ${p.faults.workerKill} kill, ${p.faults.workerStop} stop, ${p.faults.serverKill} server`;
}

// Ending by a signal runs the exit handlers, which kill the workers and nats-server.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

async function main(): Promise<number> {
  let options: CliOptions;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(
      `${(error as Error).message}\nusage: npm run chaos -- [--seed N] [--duration S] [--rate N] [--in-flight N] [--transfers N] [--settle S] [--server-kills F] [--json]\n`,
    );
    return 2;
  }
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  say(`[chaos] seed ${options.seed} (replay with --seed ${options.seed}), ${options.settings.durationMs / 1000} s of faults`);
  const report = await runChaos(options.seed, options.settings, { log: say, onProgress: (p) => say(progressLine(p)), progressEveryMs: 5_000 });
  if (options.json) {
    say(formatReport(report));
    process.stdout.write(`${JSON.stringify(reportJson(report), null, 2)}\n`);
  } else {
    process.stdout.write(`${formatReport(report)}\n`);
    for (const problem of report.problems) process.stdout.write(`- ${problem}\n`);
  }
  return report.problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
