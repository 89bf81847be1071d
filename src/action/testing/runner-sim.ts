import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What a GitHub runner does around a node action step, for tests: inputs as `INPUT_<NAME>` (uppercased, dashes
 * kept, spaces → `_`), fresh `GITHUB_OUTPUT`/`GITHUB_STATE` files per step, one `GITHUB_STEP_SUMMARY` per step,
 * and for the post step every `saveState` of main handed back as `STATE_<name>`.
 */
export interface StepRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Map<string, string>;
  state: Map<string, string>;
  summary: string;
}

/** Parses a file-command file: `name=value` lines and `name<<DELIM … DELIM` heredocs (what @actions/core writes). */
export function parseFileCommands(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      out.set(name!, value.join('\n'));
    } else if (line.includes('=')) {
      const eq = line.indexOf('=');
      out.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return out;
}

export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]),
  );
}

export function stateEnv(state: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...state].map(([k, v]) => [`STATE_${k}`, v]));
}

export async function runStep(opts: {
  script: string;
  /** Per-step scratch dir for the file-command files. */
  dir: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * The runner's cancellation: polled every 250 ms with the state the step saved so far; SIGTERM once it holds
   * (e.g. once the step's containers exist), so the cancel lands on real work rather than at a guessed time.
   */
  cancelWhen?: (state: Map<string, string>) => Promise<boolean>;
  timeoutMs?: number;
}): Promise<StepRun> {
  const files = {
    GITHUB_OUTPUT: path.join(opts.dir, 'output'),
    GITHUB_STATE: path.join(opts.dir, 'state'),
    GITHUB_STEP_SUMMARY: path.join(opts.dir, 'summary.md'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const child = spawn(process.execPath, [opts.script], {
    cwd: opts.cwd,
    env: { ...opts.env, ...files },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, sig) => resolve([code, sig])),
  );
  let running = true;
  void closed.then(() => {
    running = false;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 900_000);
  const cancelWhen = opts.cancelWhen;
  if (cancelWhen) {
    void (async () => {
      while (running) {
        if (await cancelWhen(parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')))) {
          child.kill('SIGTERM');
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  }
  const [exitCode, signal] = await closed;
  clearTimeout(killer);
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state: parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
  };
}

/** The env a runner gives every step of one job (no inputs, no file commands). */
export function jobEnv(
  over: { runnerTemp: string; workspace: string; actionPath: string } & NodeJS.ProcessEnv,
) {
  const { runnerTemp, workspace, actionPath, ...rest } = over;
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DOCKER_HOST: process.env.DOCKER_HOST,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION_PATH: actionPath,
    GITHUB_RUN_ID: String(process.pid),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'action-test',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'bf/bf',
    ...rest,
  };
}
