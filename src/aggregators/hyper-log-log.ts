/**
 * A HyperLogLog sketch (Flajolet, Fusy, Gandouet, Meunier 2007) with 2^12 registers
 * (about 1.6% standard error), kept as base64 text so it is plain JSON state. Items are
 * hashed with 64-bit FNV-1a. Small cardinalities use linear counting.
 */
const P = 12;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** Empty registers, encoded. */
export function emptySketch(): string {
  return Buffer.alloc(M).toString('base64');
}

/** The sketch with `items` added. */
export function addToSketch(sketch: string, items: readonly string[]): string {
  const registers = Buffer.from(sketch, 'base64');
  for (const item of items) {
    const hash = fnv1a64(item);
    const index = Number(hash >> BigInt(64 - P));
    const rest = (hash << BigInt(P)) & MASK64;
    const rank = rest === 0n ? 64 - P + 1 : 65 - rest.toString(2).length;
    if (rank > registers[index]!) registers[index] = rank;
  }
  return registers.toString('base64');
}

/** The estimated number of distinct items added. */
export function estimateSketch(sketch: string): number {
  const registers = Buffer.from(sketch, 'base64');
  let sum = 0;
  let zeros = 0;
  for (const r of registers) {
    sum += 2 ** -r;
    if (r === 0) zeros++;
  }
  const raw = (ALPHA * M * M) / sum;
  if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
  return Math.round(raw);
}

function fnv1a64(text: string): bigint {
  let hash = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK64;
  // FNV's high bits mix poorly for short inputs: finish with a 64-bit avalanche (murmur3's fmix64).
  hash ^= hash >> 33n;
  hash = (hash * 0xff51afd7ed558ccdn) & MASK64;
  hash ^= hash >> 33n;
  hash = (hash * 0xc4ceb9fe1a85ec53n) & MASK64;
  return hash ^ (hash >> 33n);
}
