const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;

/** A one-line progress indicator on a TTY; elsewhere it prints each new text once, as a line. */
export interface Spinner {
  /** Shows `text` (the current status, a count...) next to the spinner. */
  update(text: string): void;
  /** Removes the spinner line. */
  stop(): void;
}

/**
 * A spinner on `stream` (stderr, so stdout stays clean for results). On a TTY it redraws
 * one line; when the stream is not a TTY it writes each distinct text as its own line, or
 * nothing when `quiet`.
 */
export function startSpinner(stream: NodeJS.WriteStream, text: string, quiet: boolean): Spinner {
  if (!stream.isTTY) {
    let last = '';
    const show = (next: string): void => {
      if (quiet || next === last) return;
      last = next;
      stream.write(`${next}\n`);
    };
    show(text);
    return { update: show, stop: () => undefined };
  }
  let current = text;
  let frame = 0;
  const draw = (): void => {
    const width = (stream.columns || 80) - 3;
    stream.write(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} ${current.length > width ? `${current.slice(0, width - 1)}…` : current}`);
  };
  draw();
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();
  return {
    update: (next) => {
      current = next;
      draw();
    },
    stop: () => {
      clearInterval(timer);
      stream.write('\r\u001b[2K');
    },
  };
}
