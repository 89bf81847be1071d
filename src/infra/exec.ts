import type { Writable } from 'node:stream';
import { execa } from 'execa';

/** What a finished process left behind. */
export interface ExecResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * A process that failed: exit code non-zero, not startable (`notFound`), or killed after `timeoutMs`.
 * Carries the same fields as ExecResult so callers never parse the message.
 */
export class ExecError extends Error implements ExecResult {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The executable was not found (ENOENT). */
  readonly notFound: boolean;
  readonly timedOut: boolean;
  constructor(result: ExecResult & { notFound?: boolean; timedOut?: boolean }, cause?: unknown) {
    const why = result.notFound
      ? 'executable not found'
      : result.timedOut
        ? 'timed out'
        : `exit code ${result.exitCode}`;
    const detail = lastLines(result.stderr || result.stdout, 5);
    super(`${result.command}: ${why}${detail ? `\n${detail}` : ''}`, { cause });
    this.name = 'ExecError';
    this.command = result.command;
    this.exitCode = result.exitCode;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
    this.notFound = result.notFound ?? false;
    this.timedOut = result.timedOut ?? false;
  }
}

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
  /** Called with each stdout line as it arrives (run/tryRun still return the whole stdout at the end). */
  onStdoutLine?: (line: string) => void;
}

/** The one seam between bf and child processes; fakes implement it in orchestration unit tests. */
export interface Exec {
  /** Runs to completion; throws ExecError unless the exit code is 0. */
  run(file: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Runs to completion and returns whatever happened; throws ExecError only when it could not start. */
  tryRun(file: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Keeps only the last `maxLines` lines of stdout+stderr (each cut to `maxLineLength`): never holds a whole log. */
  tail(
    file: string,
    args: readonly string[],
    opts: ExecOptions & { maxLines: number; maxLineLength?: number },
  ): Promise<ExecResult & { lines: string[] }>;
  /** Streams stdout/stderr to the given sinks until the process ends (or `signal` aborts it). */
  stream(
    file: string,
    args: readonly string[],
    opts: ExecOptions & { stdout: Writable; stderr: Writable; signal?: AbortSignal },
  ): Promise<number>;
}

export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

interface RawOutcome {
  exitCode?: number;
  stdout?: unknown;
  stderr?: unknown;
  code?: string;
  timedOut?: boolean;
  failed?: boolean;
}

function toText(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function lineTap(onLine: (line: string) => void) {
  return {
    *transform(line: string) {
      onLine(line.replace(/\r?\n$/, ''));
      yield line;
    },
    preserveNewlines: true,
  };
}

async function runRaw(file: string, args: readonly string[], opts: ExecOptions = {}) {
  const command = commandLine(file, args);
  const r = (await execa(file, args, {
    reject: false,
    env: opts.env,
    cwd: opts.cwd,
    input: opts.input,
    timeout: opts.timeoutMs,
    stripFinalNewline: false,
    // A line transform that passes every line through unchanged, after showing it to the caller.
    stdout: opts.onStdoutLine ? [lineTap(opts.onStdoutLine), 'pipe'] : 'pipe',
  })) as unknown as RawOutcome;
  const result: ExecResult = {
    command,
    exitCode: r.exitCode ?? -1,
    stdout: toText(r.stdout),
    stderr: toText(r.stderr),
  };
  return { result, notFound: r.code === 'ENOENT', timedOut: Boolean(r.timedOut) };
}

/** Ring buffer of the last lines of a stream; each line is cut so one giant line cannot blow memory either. */
export class LineTail {
  readonly maxLines: number;
  readonly maxLineLength: number;
  readonly lines: string[] = [];
  private partial = '';
  constructor(maxLines: number, maxLineLength = 2000) {
    this.maxLines = maxLines;
    this.maxLineLength = maxLineLength;
  }
  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = (parts.pop() ?? '').slice(0, this.maxLineLength);
    for (const p of parts) this.add(p);
  }
  end(): string[] {
    if (this.partial) this.add(this.partial);
    this.partial = '';
    return this.lines;
  }
  private add(line: string): void {
    this.lines.push(line.length > this.maxLineLength ? `${line.slice(0, this.maxLineLength)}…` : line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }
}

export const execaExec: Exec = {
  async run(file, args, opts) {
    const { result, notFound, timedOut } = await runRaw(file, args, opts);
    if (notFound || timedOut || result.exitCode !== 0) throw new ExecError({ ...result, notFound, timedOut });
    return result;
  },
  async tryRun(file, args, opts) {
    const { result, notFound } = await runRaw(file, args, opts);
    if (notFound) throw new ExecError({ ...result, notFound });
    return result;
  },
  async tail(file, args, opts) {
    const command = commandLine(file, args);
    const tail = new LineTail(opts.maxLines, opts.maxLineLength);
    const child = execa(file, args, {
      reject: false,
      buffer: false,
      all: true,
      env: opts.env,
      cwd: opts.cwd,
      timeout: opts.timeoutMs,
    });
    child.all?.setEncoding('utf8');
    child.all?.on('data', (c: string) => tail.push(c));
    const r = (await child) as unknown as RawOutcome;
    const lines = tail.end();
    const result = { command, exitCode: r.exitCode ?? -1, stdout: lines.join('\n'), stderr: '', lines };
    if (r.code === 'ENOENT') throw new ExecError({ ...result, notFound: true });
    return result;
  },
  async stream(file, args, opts) {
    const child = execa(file, args, {
      reject: false,
      buffer: false,
      env: opts.env,
      cwd: opts.cwd,
      cancelSignal: opts.signal,
    });
    child.stdout?.pipe(opts.stdout, { end: false });
    child.stderr?.pipe(opts.stderr, { end: false });
    const r = (await child) as unknown as RawOutcome;
    if (r.code === 'ENOENT') {
      throw new ExecError({
        command: commandLine(file, args),
        exitCode: -1,
        stdout: '',
        stderr: '',
        notFound: true,
      });
    }
    return r.exitCode ?? (opts.signal?.aborted ? 0 : -1);
  },
};
