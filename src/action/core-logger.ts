import type * as core from '@actions/core';
import { escapeControl } from '../util/escape.ts';
import type { Logger } from '../util/log.ts';

/** The Logger facade on the runner's log: warnings and errors become annotations; progress goes to debug. */
export function coreLogger(c: Pick<typeof core, 'info' | 'warning' | 'error' | 'debug'>): Logger {
  return {
    info: (m) => c.info(escapeControl(m)),
    warn: (m) => c.warning(escapeControl(m)),
    error: (m) => c.error(escapeControl(m)),
    progress: (m) => c.debug(escapeControl(m)),
  };
}
