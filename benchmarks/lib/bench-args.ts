import { parseArgs } from 'node:util';

/** The parts of `npm run bench` that run on their own with `--only`. */
export const BENCH_PARTS = ['http', 'aggregators', 'dashboard', 'telemetry', 'nats-cluster'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

/** The command line of `npm run bench`, parsed. */
export interface BenchArgs {
  /** One part alone, or every scenario. */
  readonly only: BenchPart | undefined;
  /** Smaller sizes and fewer repetitions. */
  readonly quick: boolean;
  /** Skip the NATS scenarios (`--no-nats`). */
  readonly skipNats: boolean;
  /** Aggregators: skip the embedded engine (`--no-embedded`). */
  readonly skipEmbedded: boolean;
  /** Dashboard: read from a NATS hub instead of an embedded app (`--nats`). */
  readonly onNats: boolean;
}

export const BENCH_USAGE = `Usage: npm run bench -- [--quick] [--no-nats] [--only ${BENCH_PARTS.join('|')}]
  --quick          smaller sizes, fewer repetitions
  --no-nats        skip the NATS scenarios (every part that has them)
  --only PART      run one part alone: ${BENCH_PARTS.join(', ')}
  --no-embedded    with --only aggregators: the NATS engine alone
  --nats           with --only dashboard: read from a NATS hub`;

/** Parses the benchmark's arguments; throws with the usage on anything unknown. */
export function benchArgs(argv: readonly string[]): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        quick: { type: 'boolean', default: false },
        'no-nats': { type: 'boolean', default: false },
        'no-embedded': { type: 'boolean', default: false },
        nats: { type: 'boolean', default: false },
        only: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${BENCH_USAGE}`);
  }
  const only = values.only;
  if (only !== undefined && !(BENCH_PARTS as readonly string[]).includes(only)) throw new Error(`Unknown part '${only}'.\n${BENCH_USAGE}`);
  if (values['no-embedded'] && only !== 'aggregators') throw new Error(`--no-embedded goes with --only aggregators.\n${BENCH_USAGE}`);
  if (values.nats && only !== 'dashboard') throw new Error(`--nats goes with --only dashboard.\n${BENCH_USAGE}`);
  return {
    only: only as BenchPart | undefined,
    quick: values.quick,
    skipNats: values['no-nats'],
    skipEmbedded: values['no-embedded'],
    onNats: values.nats,
  };
}

/** A parsed `--name=N` value as an integer of at least `min`, or `fallback` when the option was not given. */
export function integerArg(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} needs an integer of at least ${min}, got '${value}'.`);
  return n;
}
