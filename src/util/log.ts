/**
 * One logger facade: the CLI maps it to stderr (progress only on a TTY), the Action to @actions/core.
 * Library code takes a Logger parameter and never writes to the console itself.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Transient progress (per-symbol fetch, per-service wait). Implementations may drop it when not interactive. */
  progress(message: string): void;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
  progress() {},
};

export function stderrLogger(opts: { interactive?: boolean; quiet?: boolean } = {}): Logger {
  const interactive = opts.interactive ?? Boolean(process.stderr.isTTY);
  let progressShown = false;
  const clear = () => {
    if (progressShown) {
      process.stderr.write('\r\x1b[2K');
      progressShown = false;
    }
  };
  const line = (text: string) => {
    clear();
    process.stderr.write(`${text}\n`);
  };
  return {
    info: (m) => {
      if (!opts.quiet) line(m);
    },
    warn: (m) => line(`warning: ${m}`),
    error: (m) => line(`error: ${m}`),
    progress: (m) => {
      if (!interactive || opts.quiet) return;
      process.stderr.write(`\r\x1b[2K${m}`);
      progressShown = true;
    },
  };
}
