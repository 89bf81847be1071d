import { progressIntervalMs } from '../config/progress.ts';
import { escapeControl } from './escape.ts';

/**
 * One logger facade: the CLI maps it to stderr, the Action to @actions/core.
 * Library code takes a Logger parameter and never writes to the console itself.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /**
   * Progress of long work (per-symbol fetch, per-service wait). Each message should carry the totals so far:
   * implementations may show only some of them (off a terminal, at most one every few seconds).
   */
  progress(message: string): void;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
  progress() {},
};

// One stderr per process, so whether a transient progress line is on screen is process state too.
let progressShown = false;

/** Ends a transient progress line on a terminal, so what follows (an error) starts on a line of its own. */
export function clearProgressLine(): void {
  if (progressShown) {
    process.stderr.write('\r\x1b[2K');
    progressShown = false;
  }
}

/**
 * stderr. On a terminal, progress is one line rewritten in place. Off a terminal (CI logs, pipes), a progress
 * message is printed as a plain line only when nothing was written for `progressIntervalMs`: short stages stay
 * quiet, long ones report every few seconds.
 */
export function stderrLogger(
  opts: { interactive?: boolean; quiet?: boolean; progressIntervalMs?: number; now?: () => number } = {},
): Logger {
  const interactive = opts.interactive ?? Boolean(process.stderr.isTTY);
  const interval = opts.progressIntervalMs ?? progressIntervalMs();
  const now = opts.now ?? Date.now;
  let lastWrite = now();
  const line = (text: string) => {
    clearProgressLine();
    process.stderr.write(`${escapeControl(text)}\n`);
    lastWrite = now();
  };
  return {
    info: (m) => {
      if (!opts.quiet) line(m);
    },
    warn: (m) => line(`warning: ${m}`),
    error: (m) => line(`error: ${m}`),
    progress: (m) => {
      if (opts.quiet) return;
      if (interactive) {
        process.stderr.write(`\r\x1b[2K${escapeControl(m)}`);
        progressShown = true;
      } else if (now() - lastWrite >= interval) {
        line(m);
      }
    },
  };
}
