import type * as core from '@actions/core';
import { progressIntervalMs } from '../config/progress.ts';
import { escapeControl } from '../util/escape.ts';
import type { Logger } from '../util/log.ts';

/**
 * The Logger facade on the runner's log: warnings and errors become annotations. Progress (fetch, stack wait,
 * Spark stages, sink) is a plain log line at most once per `intervalMs` since the last line, so a long stage
 * shows it is alive without flooding the log; every message carries its totals, so skipping some loses nothing.
 */
export function coreLogger(
  c: Pick<typeof core, 'info' | 'warning' | 'error' | 'debug'>,
  opts: { intervalMs?: number; now?: () => number } = {},
): Logger {
  const interval = opts.intervalMs ?? progressIntervalMs();
  const now = opts.now ?? Date.now;
  let lastLine = now();
  const line = (write: () => void) => {
    write();
    lastLine = now();
  };
  return {
    info: (m) => line(() => c.info(escapeControl(m))),
    warn: (m) => line(() => c.warning(escapeControl(m))),
    error: (m) => line(() => c.error(escapeControl(m))),
    progress: (m) => {
      if (now() - lastLine >= interval) line(() => c.info(escapeControl(m.trimStart())));
      else c.debug(escapeControl(m));
    },
  };
}
