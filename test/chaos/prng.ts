/**
 * A small seeded random number generator (mulberry32): the same seed makes the same
 * choices, so a chaos run can be replayed with `CHAOS_SEED`.
 */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Prng.pick: nothing to pick from');
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** The seed from `CHAOS_SEED` if set (a non-negative integer), else a fresh one. */
export function chaosSeed(fromEnv = process.env.CHAOS_SEED): number {
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`CHAOS_SEED must be an integer from 0 to 4294967295, got '${fromEnv}'`);
    return seed;
  }
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}
