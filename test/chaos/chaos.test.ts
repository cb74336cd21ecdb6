import { describe, expect, it } from 'vitest';
import { requireCompiledWorker } from './chaos-cluster';
import { failureSummary, formatReport } from './chaos-report';
import { chaosSeed } from './prng';
import { DEFAULT_SETTINGS, runChaos } from './run-chaos';

// The short version of the randomized fault suite (the long one is `npm run chaos`, see
// docs/chaos.md). CHAOS_SEED replays a run's faults and transfers.
describe('chaos: randomized faults under load on NATS', () => {
  it('applies every acknowledged signal exactly once, keeps the bank total, and leaves no transfer running or account locked', async () => {
    requireCompiledWorker();
    const seed = chaosSeed();
    console.log(`chaos seed ${seed} (replay with CHAOS_SEED=${seed})`);
    const report = await runChaos(seed, { ...DEFAULT_SETTINGS, durationMs: 60_000, settleTimeoutMs: 12_000, serverKillShare: 0.5 }, { log: (line) => console.log(line) });
    console.log(formatReport(report));

    expect(report.problems, failureSummary(report)).toEqual([]);
    // The run mattered: every kind of fault happened while work was acknowledged.
    expect(report.faults.map((f) => f.kind), `seed ${seed}`).toEqual(expect.arrayContaining(['workerKill', 'workerStop', 'serverKill']));
    expect(report.signals.acked, `seed ${seed}`).toBeGreaterThan(10_000);
    expect(report.transfers.transferred, `seed ${seed}`).toBeGreaterThan(0);
  }, 180_000);
});
