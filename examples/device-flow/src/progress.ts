/** A one-line progress indicator for a wait of unknown length. */
export interface Progress {
  /** Marks one more check (one poll of the token endpoint). */
  tick(): void;
  /** Clears the indicator and writes `message`, if any, on its own line. */
  stop(message?: string): void;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * On a terminal: a spinner redrawn in place, with the number of checks so far. Elsewhere (a pipe, a CI
 * log): the text once, then a dot per check, so logs stay readable.
 */
export function startProgress(stream: NodeJS.WriteStream, text: string): Progress {
  let checks = 0;
  if (!stream.isTTY) {
    stream.write(text);
    return {
      tick: () => void stream.write('.'),
      stop: (message) => void stream.write(message === undefined ? '\n' : `\n${message}\n`),
    };
  }
  let frame = 0;
  const draw = () => {
    const counter = checks === 0 ? '' : ` (checked ${checks} time${checks === 1 ? '' : 's'})`;
    stream.write(`\r\x1b[2K${frames[frame % frames.length]} ${text}${counter}`);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, 100);
  return {
    tick() {
      checks += 1;
      draw();
    },
    stop(message) {
      clearInterval(timer);
      stream.write('\r\x1b[2K');
      if (message !== undefined) stream.write(`${message}\n`);
    },
  };
}
