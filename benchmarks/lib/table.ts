/** Column alignment: left or right. */
export type Align = 'l' | 'r';

/** Renders rows as a plain-text table with a header rule. */
export function renderTable(header: readonly string[], align: readonly Align[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** 12345.6 -> "12,346". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds with a precision suited to their size. */
export function formatMs(ms: number): string {
  return ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(0);
}

export function formatRatio(r: number): string {
  return r >= 10 ? `${r.toFixed(0)}x` : r >= 1 ? `${r.toFixed(2)}x` : `${r.toFixed(3)}x`;
}

/** 0.123 -> "±6.2%" (half the relative range, around the median). */
export function formatSpread(relative: number): string {
  return `±${((relative / 2) * 100).toFixed(1)}%`;
}
