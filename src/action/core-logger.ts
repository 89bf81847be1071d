import type * as core from '@actions/core';
import type { Logger } from '../util/log.ts';

/** The Logger facade on the runner's log: warnings and errors become annotations; progress goes to debug. */
export function coreLogger(c: Pick<typeof core, 'info' | 'warning' | 'error' | 'debug'>): Logger {
  return {
    info: (m) => c.info(m),
    warn: (m) => c.warning(m),
    error: (m) => c.error(m),
    progress: (m) => c.debug(m),
  };
}
