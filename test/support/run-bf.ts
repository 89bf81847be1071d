import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The CLI as a user runs it: a child process of bin/bf.js, judged by exit code, stdout and stderr. */
export const BF_BIN = resolve(import.meta.dirname, '../../bin/bf.js');

export interface BfRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runBf(args: string[], env: Record<string, string> = {}): Promise<BfRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BF_BIN, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
