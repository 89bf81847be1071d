/**
 * What the fault benchmark watches, independent of the command under test: the engine's container events
 * (`docker events`, with the engine's own timestamps), the project's containers after a command returned, and
 * a child process's output line by line with the time each line arrived.
 */
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { followDockerEvents } from '../support/docker-events.ts';

export interface EngineEvent {
  service: string;
  /** die, oom, kill, start, stop, … */
  action: string;
  exitCode: number | undefined;
  /** ms since the epoch, from the engine. */
  at: number;
}

/** Follows the project's container events until `stop()`. */
export function watchEngine(project: string) {
  const events: EngineEvent[] = [];
  const follow = followDockerEvents([`label=com.docker.compose.project=${project}`], (e) => {
    if (e.type !== 'container' || !e.service) return;
    const code = e.attributes.exitCode === undefined ? undefined : Number(e.attributes.exitCode);
    events.push({ service: e.service, action: e.action, exitCode: code, at: e.at });
  });
  return {
    events,
    first(service: string, action: string): EngineEvent | undefined {
      return events.find((e) => e.service === service && e.action === action);
    },
    stop: () => follow.stop(),
  };
}

/** Ids of the project's containers: running ones, or all with `all`. */
export async function projectContainers(project: string, all = false): Promise<string[]> {
  const r = await execa('docker', [
    'ps',
    ...(all ? ['-a'] : []),
    '-q',
    '--filter',
    `label=com.docker.compose.project=${project}`,
  ]);
  return r.stdout.split('\n').filter(Boolean);
}

/** Services of the project with a running container. */
export async function runningServices(project: string): Promise<string[]> {
  const r = await execa('docker', [
    'ps',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    'status=running',
    '--format',
    '{{.Label "com.docker.compose.service"}}',
  ]);
  return r.stdout.split('\n').filter(Boolean).sort();
}

export interface Line {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface Watched {
  pid: number;
  lines: Line[];
  /** Resolves with the exit code (or the signal name) and the time it exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves with the first line matching `re` (undefined when the process exits first). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<Line | undefined>;
  kill(signal: NodeJS.Signals): void;
}

/** Runs a command, recording every output line with its arrival time. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Watched {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  const listeners: ((l: Line) => void)[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk: string) => {
      const parts = (partial + chunk).split(/\r?\n|\r/);
      partial = parts.pop() ?? '';
      for (const text of parts) {
        const l = { at: Date.now(), stream, text };
        lines.push(l);
        for (const f of listeners) f(l);
      }
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    pid: child.pid ?? -1,
    lines,
    exited,
    waitFor(re, timeoutMs = 600_000) {
      const hit = lines.find((l) => re.test(l.text));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        listeners.push((l) => {
          if (re.test(l.text)) {
            clearTimeout(timer);
            resolve(l);
          }
        });
        void exited.then(() => {
          clearTimeout(timer);
          resolve(lines.find((l) => re.test(l.text)));
        });
      });
    },
    kill(signal) {
      child.kill(signal);
    },
  };
}
