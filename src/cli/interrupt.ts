import { constants } from 'node:os';
import { escapeControl } from '../util/escape.ts';
import { exitHeld, releaseExit } from '../util/exit-hold.ts';
import { clearProgressLine } from '../util/log.ts';

/** How long held work (../util/exit-hold.ts) may take to stop after an interrupt. */
const STOP_GRACE_MS = 10_000;

/** The exit code of an interrupt under way, or null. */
let interrupted: number | null = null;

/**
 * The exit code when an interrupt is under way: the command's failure that the stopped work then raises is not the
 * news (the interrupt's line is), so the CLI reports nothing more and exits with this code.
 */
export function interruptedExitCode(): number | null {
  return interrupted;
}

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
    const code = 128 + (constants.signals[sig] ?? 0);
    interrupted = code;
    if (!exitHeld()) process.exit(code);
    // Work that must stop first (../util/exit-hold.ts) ends within milliseconds; should it not, a process that
    // cannot exit is worse than one that dies by SIGKILL.
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), STOP_GRACE_MS).unref();
    void releaseExit().then(() => process.exit(code));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
