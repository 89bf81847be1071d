import { readdir, readFile } from 'node:fs/promises';
import { BfError, EXIT } from '../util/errors.ts';
import { type Exec, ExecError, execaExec } from './exec.ts';

/**
 * Was the Docker daemon itself the fault? A service that stops answering mid-run is named by the stage that saw it
 * (kafka, elasticsearch, s3); when the daemon went down or restarted, every container of the stack stopped with it,
 * and what to do differs (check the engine, then start the stack again), so the failure says so.
 */

/** Linux's USER_HZ: /proc/<pid>/stat counts start times in these ticks (100 on every mainstream kernel). */
const CLOCK_TICKS_PER_SECOND = 100;

/** When the local dockerd process started (ms since the epoch), from /proc; undefined when it cannot be seen. */
export async function dockerdStartedAt(proc = '/proc'): Promise<number | undefined> {
  try {
    const btime = /^btime (\d+)$/m.exec(await readFile(`${proc}/stat`, 'utf8'));
    if (!btime) return undefined;
    for (const pid of await readdir(proc)) {
      if (!/^\d+$/.test(pid)) continue;
      const comm = await readFile(`${proc}/${pid}/comm`, 'utf8').catch(() => '');
      if (comm.trim() !== 'dockerd') continue;
      const stat = await readFile(`${proc}/${pid}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start at field 3; starttime is field 22.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[19]);
      if (!Number.isFinite(ticks)) return undefined;
      return (Number(btime[1]) + ticks / CLOCK_TICKS_PER_SECOND) * 1000;
    }
  } catch {
    // no /proc (not Linux) or not readable
  }
  return undefined;
}

/** What the docker client says when it cannot reach the engine (socket gone, daemon stopped or restarting). */
export const DAEMON_UNREACHABLE =
  /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect/i;

/** The engine answers `docker version`: undefined when it does, else what the client said. */
export async function daemonUnreachable(
  exec: Exec = execaExec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  try {
    const r = await exec.tryRun('docker', ['version', '--format', '{{.Server.Version}}'], {
      timeoutMs: 10_000,
      env,
    });
    if (r.exitCode === 0 && r.stdout.trim()) return undefined;
    return r.stderr.trim().split('\n').slice(-1)[0] || `docker version exited with ${r.exitCode}`;
  } catch (e) {
    return e instanceof ExecError && e.notFound ? 'docker CLI not found' : String(e);
  }
}

export interface DaemonFault {
  /** One line for the error message. */
  message: string;
  hint: string;
}

/** How every message about an unreachable daemon starts (withDaemonFault recognises one already said by it). */
export const DAEMON_UNREACHABLE_SAID = 'the Docker daemon is unreachable';

/** What to do when the daemon is the fault: shared by every command that reaches it. */
export const DAEMON_HINT =
  'check the engine with `docker info` (start it: `sudo systemctl start docker`, or infra/scripts/provision-docker.sh here), then `bf infra start` and run the same command again';

/**
 * The daemon's part in a failure that happened after `sinceMs`: unreachable now, or restarted since (its process
 * is younger than the command). Undefined when the daemon is up and was up all along, as far as bf can see.
 */
export async function daemonFault(
  sinceMs: number,
  opts: { exec?: Exec; env?: NodeJS.ProcessEnv; startedAt?: () => Promise<number | undefined> } = {},
): Promise<DaemonFault | undefined> {
  const unreachable = await daemonUnreachable(opts.exec, opts.env);
  if (unreachable) {
    return { message: `${DAEMON_UNREACHABLE_SAID} (${unreachable})`, hint: DAEMON_HINT };
  }
  const started = await (opts.startedAt ?? dockerdStartedAt)();
  if (started !== undefined && started > sinceMs) {
    return {
      message: `the Docker daemon restarted at ${new Date(started).toISOString().slice(11, 19)} UTC, during this command: the stack's containers stopped with it`,
      hint: DAEMON_HINT,
    };
  }
  return undefined;
}

/**
 * A failed piece of work (exit 1) that used the stack, re-read in the light of the daemon: when the daemon is
 * unreachable or restarted during the command, the error says so first (with what to do), then what failed.
 */
export async function withDaemonFault(
  e: unknown,
  sinceMs: number,
  opts: Parameters<typeof daemonFault>[1] = {},
): Promise<unknown> {
  if (!(e instanceof BfError) || e.exitCode !== EXIT.failure) return e;
  // Already named by the call that met it (composeError): saying it twice helps nobody.
  if (e.message.startsWith(DAEMON_UNREACHABLE_SAID)) return e;
  const fault = await daemonFault(sinceMs, opts).catch(() => undefined);
  if (!fault) return e;
  return new BfError(`${fault.message}\n  what failed: ${e.message}`, { hint: fault.hint, cause: e });
}
