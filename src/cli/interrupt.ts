import { constants } from 'node:os';
import { escapeControl } from '../util/escape.ts';
import { clearProgressLine } from '../util/log.ts';

/**
 * Ctrl-C (SIGINT) or SIGTERM during a long command: one line saying what was interrupted and what it left, then
 * exit 128 + the signal's number, as a shell reports it. Nothing more needs doing on the way out: every lake and
 * --out write is a staged rename (an interrupted one is repaired by the next run) and the lake lock is a kernel
 * lock the process's end releases. Returns the function that removes the handlers.
 */
export function onInterrupt(describe: () => string): () => void {
  const handler = (sig: NodeJS.Signals) => {
    clearProgressLine();
    process.stderr.write(`interrupted by ${sig} ${escapeControl(describe())}\n`);
    process.exit(128 + (constants.signals[sig] ?? 0));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
