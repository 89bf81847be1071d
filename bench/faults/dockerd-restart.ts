/**
 * A real Docker daemon restart in the middle of `bf pipeline run --engine spark`: the local dockerd process gets
 * SIGTERM (a daemon shutdown: it stops every container, of every project), then comes back through
 * infra/scripts/provision-docker.sh, as the hint bf prints says. What it measures: detected, seconds from the
 * SIGTERM to a line naming the daemon, the exit code, what was left behind, and whether `bf infra start` + the
 * same run recovers (the lake verified, the Delta rows after the next run).
 *
 * Never part of a test suite: it stops the machine's engine. The bench runs it only with --restart-dockerd, under
 * the stack lock, and refuses while any container of another project runs. Whatever happens, it leaves the engine
 * running (the caller then tears the stack down).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { sparkPipelineArgs } from '../../test/support/spark-pipeline.ts';
import type { FaultRow } from './common.ts';
import { type DataStack, recoverSparkRun, SPARK_WRITING } from './data-cases.ts';
import { runningServices } from './observe.ts';

const PROVISION = resolve(import.meta.dirname, '../../infra/scripts/provision-docker.sh');
const FAULT = 'Docker daemon restarted (SIGTERM to dockerd, then provision-docker.sh) mid-write';
const RUNNER = 'bf pipeline run --engine spark';

async function dockerdPid(): Promise<number | undefined> {
  const r = await execa('pgrep', ['-x', 'dockerd'], { reject: false });
  const pid = Number(r.stdout.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Containers running that are not the stack's: a restart would stop them too. */
async function foreignContainers(project: string): Promise<string[]> {
  const r = await execa('docker', ['ps', '--format', '{{.Names}}\t{{.Label "com.docker.compose.project"}}']);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .filter((l) => l.split('\t')[1] !== project)
    .map((l) => l.split('\t')[0]!);
}

/** Brings the engine back (provision-docker.sh starts dockerd when it is not running); ms it took. */
export async function ensureEngine(): Promise<number> {
  const t = Date.now();
  await execa('bash', [PROVISION], { stdio: 'ignore' });
  return Date.now() - t;
}

export async function dockerdRestartedMidWrite(s: DataStack): Promise<FaultRow> {
  const skipped = (why: string): FaultRow => ({
    fault: FAULT,
    runner: RUNNER,
    detected: false,
    seconds: undefined,
    named: 'n/a',
    logLines: 0,
    leftRunning: 'n/a',
    dataLost: 'n/a',
    message: `not run: ${why}`,
    exit: 'n/a',
  });
  const foreign = await foreignContainers(s.project);
  if (foreign.length) return skipped(`containers of other projects are running (${foreign.join(', ')})`);
  const pid = await dockerdPid();
  if (pid === undefined) return skipped('no local dockerd process to restart');

  const args = sparkPipelineArgs(s.project, await mkdtemp(join(tmpdir(), 'bf-faults-dockerd-')), '--json');
  const p = s.bf(args);
  let faultAt = 0;
  let stoppedMs = 0;
  let backMs = 0;
  try {
    if (!(await p.waitFor(SPARK_WRITING))) return skipped('the run ended before its Spark write');
    await new Promise((r) => setTimeout(r, 1000));
    faultAt = Date.now();
    process.kill(pid, 'SIGTERM');
    while (alive(pid) && Date.now() - faultAt < 120_000) await new Promise((r) => setTimeout(r, 100));
    stoppedMs = Date.now() - faultAt;
    const exit = await p.exited;
    // The daemon back as a user brings it back here (the hint bf prints names the script).
    backMs = await ensureEngine();
    const failure = p.lines.find((l) => l.text.startsWith('error: '));
    const named = p.lines.find((l) => l.at >= faultAt && /Docker daemon/.test(l.text));
    const hint = p.lines.find((l) => l.at >= faultAt && /^hint: .*bf infra start/.test(l.text));
    const restarted = await runningServices(s.project);
    const recovered = await recoverSparkRun(s, args);
    return {
      fault: FAULT,
      runner: RUNNER,
      detected: exit.code !== 0 && failure !== undefined,
      seconds: named ? (named.at - faultAt) / 1000 : undefined,
      named: named
        ? `the Docker daemon (${/restarted/.test(named.text) ? 'restarted' : 'unreachable'})${hint ? ', with what to do' : ''}`
        : failure
          ? 'not the daemon'
          : 'no',
      logLines: 0,
      leftRunning: `dockerd stopped ${(stoppedMs / 1000).toFixed(1)} s after SIGTERM, back ${(backMs / 1000).toFixed(1)} s after; stack after the daemon came back: ${restarted.join(', ') || 'none'}`,
      dataLost: recovered.text,
      message: failure?.text ?? '(no error line)',
      exit: String(exit.code ?? exit.signal),
    };
  } finally {
    if (!(await dockerdPid())) await ensureEngine();
  }
}
