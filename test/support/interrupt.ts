/**
 * A signal to a real `bf pipeline run` process in the middle of its signals stage (which writes features, breadth,
 * breadth_series and signals into the lake). Shared by test/e2e/interrupt.test.ts and bench/faults.
 */
import { spawn } from 'node:child_process';
import { BF_BIN } from './run-bf.ts';

/** The run interrupted: demo_large on sample data, embedded engine. */
export const pipelineArgs = (workdir: string, out: string): string[] => [
  'pipeline',
  'run',
  '--symbol-list',
  'demo_large',
  '--source',
  'sample',
  '--workdir',
  workdir,
  '--out',
  out,
];

/** Output files compared with an uninterrupted run (metrics.json carries the time it was generated). */
export const COMPARED_FILES = ['breadth.csv', 'signals.csv', 'trades.csv', 'forward_returns.csv'];

/** The line that ends the fetch stage: the signals stage is running from here on. */
const FETCH_DONE = /^stage fetch: /;
const SIGNALS_DONE = /^stage signals: /;

export interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** stderr lines with the time each arrived (ms since the epoch). */
  lines: { at: number; text: string }[];
  /** When the signal was sent, and when the process exited. */
  sentAt: number;
  exitAt: number;
  /** The signals stage had not finished when the signal was sent. */
  midStage: boolean;
}

/** Runs the pipeline and sends `signal` `delayMs` after the fetch stage ended. */
export function interruptMidStage(
  workdir: string,
  out: string,
  signal: NodeJS.Signals,
  opts: { delayMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Interrupted> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BF_BIN, ...pipelineArgs(workdir, out)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: opts.env ?? process.env,
    });
    const lines: Interrupted['lines'] = [];
    let stderr = '';
    let partial = '';
    let sentAt = 0;
    let midStage = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) {
        lines.push({ at: Date.now(), text });
        if (sentAt === 0 && FETCH_DONE.test(text)) {
          sentAt = -1;
          setTimeout(() => {
            midStage = !lines.some((l) => SIGNALS_DONE.test(l.text));
            sentAt = Date.now();
            child.kill(signal);
          }, opts.delayMs ?? 300);
        }
      }
    });
    child.once('exit', (code, sig) =>
      resolve({ code, signal: sig, stderr, lines, sentAt, exitAt: Date.now(), midStage }),
    );
  });
}
