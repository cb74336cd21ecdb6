/**
 * A seeded text for the WordCount scenario: `words` words in chunks of `chunkWords`, drawn
 * from a vocabulary of 2,000 made-up words with a Zipf-like skew (a few words are very
 * common, most are rare), as in natural text.
 */
export function wordCorpus(words: number, chunkWords: number): string[] {
  const random = mulberry32(42);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const vocabulary = Array.from({ length: 2_000 }, (_, i) => {
    let word = letters[i % 26]!;
    for (let n = 2 + Math.floor(random() * 6); n > 0; n--) word += letters[Math.floor(random() * 26)]!;
    return word;
  });
  const chunks: string[] = [];
  for (let done = 0; done < words; done += chunkWords) {
    const size = Math.min(chunkWords, words - done);
    const chunk = Array.from({ length: size }, () => vocabulary[Math.min(vocabulary.length - 1, Math.floor(vocabulary.length * random() ** 3))]!);
    chunks.push(chunk.join(' '));
  }
  return chunks;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
