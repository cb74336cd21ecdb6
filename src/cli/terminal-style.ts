/** ANSI styles, applied only when colour is on. */
export interface Style {
  readonly enabled: boolean;
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly cyan: (text: string) => string;
}

const wrap = (enabled: boolean, open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);

export function createStyle(enabled: boolean): Style {
  return {
    enabled,
    bold: wrap(enabled, 1, 22),
    dim: wrap(enabled, 2, 22),
    red: wrap(enabled, 31, 39),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    cyan: wrap(enabled, 36, 39),
  };
}

/**
 * Whether to colour a stream: a TTY, unless `NO_COLOR` is set or `--no-color` given;
 * `FORCE_COLOR` (not `0`) turns it on anywhere.
 */
export function colourWanted(stream: NodeJS.WriteStream, noColorFlag: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (noColorFlag) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

/** The length of `text` as shown: without ANSI escapes. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** The colour of an instance's runtime status. */
export function statusColour(style: Style, status: string): string {
  switch (status) {
    case 'Completed':
      return style.green(status);
    case 'Failed':
    case 'Terminated':
      return style.red(status);
    case 'Suspended':
    case 'Pending':
      return style.yellow(status);
    default:
      return style.cyan(status);
  }
}
