import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The CLI as a user runs it: a child process of bin/bf.js, judged by exit code, stdout and stderr. */
export const BF_BIN = resolve(import.meta.dirname, '../../bin/bf.js');

export interface BfRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunBfOptions {
  /** `env` is the whole environment instead of additions to this process's. */
  replaceEnv?: boolean;
  /** Another Node binary (e.g. an older system Node). */
  node?: string;
  /** Node flags before the script (e.g. `--import` a preload). */
  nodeArgs?: string[];
  cwd?: string;
}

export function runBf(
  args: string[],
  env: Record<string, string> = {},
  opts: RunBfOptions = {},
): Promise<BfRun> {
  return new Promise((done) => {
    execFile(
      opts.node ?? process.execPath,
      [...(opts.nodeArgs ?? []), BF_BIN, ...args],
      {
        env: opts.replaceEnv ? env : { ...process.env, ...env },
        cwd: opts.cwd,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
