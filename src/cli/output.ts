import { type Spinner, startSpinner } from './spinner';
import { colourWanted, createStyle, type Style } from './terminal-style';
import { formatTable } from './terminal-table';

/** Settings of {@link Output}, from the global options. */
export interface OutputSettings {
  readonly json: boolean;
  readonly noColor: boolean;
  readonly verbose: boolean;
}

/**
 * Where a command writes: results on stdout (a table or text for people, JSON with
 * `--json`), notes, progress and errors on stderr.
 */
export class Output {
  readonly style: Style;
  readonly errorStyle: Style;

  constructor(
    readonly settings: OutputSettings,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.style = createStyle(!settings.json && colourWanted(stdout, settings.noColor));
    this.errorStyle = createStyle(colourWanted(stderr, settings.noColor));
  }

  get json(): boolean {
    return this.settings.json;
  }

  /** Prints the result: `value` as JSON with `--json`, otherwise what `human()` returns. */
  result(value: unknown, human: () => string): void {
    this.stdout.write(this.json ? `${JSON.stringify(value)}\n` : ensureNewline(human()));
  }

  /** One JSON line (for streams: `watch` prints one per change with `--json`). */
  jsonLine(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** A line for people on stdout (streams without `--json`). */
  line(text: string): void {
    this.stdout.write(ensureNewline(text));
  }

  table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
    return formatTable(this.style, headers, rows);
  }

  /** A note for people on stderr (never with `--json`, whose readers parse stdout only). */
  note(text: string): void {
    if (!this.json) this.stderr.write(ensureNewline(this.errorStyle.dim(text)));
  }

  /** A spinner on stderr; quiet (no lines off a TTY) with `--json`. */
  spinner(text: string): Spinner {
    return startSpinner(this.stderr, text, this.json);
  }

  /** Reports an error on stderr in one line (JSON with `--json`), plus the stack with `--verbose`. */
  error(code: string, message: string, cause?: unknown): void {
    if (this.json) this.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
    else this.stderr.write(`${this.errorStyle.red('error:')} ${message}\n`);
    if (this.settings.verbose && cause instanceof Error && cause.stack) this.stderr.write(`${cause.stack}\n`);
  }
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

/** A value as one short line: strings as they are, anything else as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** A value for a result block: JSON indented by two. */
export function showJson(value: unknown): string {
  return JSON.stringify(value ?? null, null, 2);
}
