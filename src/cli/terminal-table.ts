import { type Style, visibleLength } from './terminal-style';

/** Longest cell shown before it is cut with an ellipsis. */
const MAX_CELL_WIDTH = 60;

/**
 * Columns aligned on their widest cell, a bold header and no borders (so the output greps
 * well). Cells longer than 60 characters are cut; `--json` shows them in full.
 */
export function formatTable(style: Style, headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map((cell) => cut(cell.replace(/\s*\n\s*/g, ' '))));
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => visibleLength(row[column] ?? ''))));
  const line = (row: readonly string[], decorate: (text: string) => string = (text) => text): string =>
    row
      .map((cell, column) => (column === row.length - 1 ? decorate(cell) : decorate(cell) + ' '.repeat((widths[column] ?? 0) - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [line(headers, style.bold), ...cells.map((row) => line(row))].join('\n') + '\n';
}

function cut(cell: string): string {
  if (visibleLength(cell) <= MAX_CELL_WIDTH) return cell;
  // Cells that are cut carry no colour (they are JSON values), so slicing is safe.
  return `${cell.slice(0, MAX_CELL_WIDTH - 1)}…`;
}
