import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BfError } from '../util/errors.ts';
import { ComposeProject } from './compose.ts';
import { daemonFault, dockerdStartedAt, withDaemonFault } from './daemon.ts';
import type { Exec } from './exec.ts';
import { composeHealthCheck } from './readiness/checks.ts';

/** A /proc with a boot time and one dockerd (pid 754) started `ticks` hundredths of a second after boot. */
async function fakeProc(ticks: number): Promise<string> {
  const proc = await mkdtemp(join(tmpdir(), 'bf-proc-'));
  await writeFile(join(proc, 'stat'), 'cpu  1 2 3\nbtime 1796137319\nprocesses 9\n');
  for (const [pid, comm] of [
    ['1', 'init'],
    ['754', 'dockerd'],
  ] as const) {
    await mkdir(join(proc, pid));
    await writeFile(join(proc, pid, 'comm'), `${comm}\n`);
    // The command field may hold spaces and parentheses: fields are counted after its last ')'.
    await writeFile(
      join(proc, pid, 'stat'),
      `${pid} (${comm} (x) y) S 1 ${pid} ${pid} 0 -1 4194560 1 0 0 0 5 6 0 0 20 0 20 0 ${ticks} 1 2\n`,
    );
  }
  return proc;
}

function docker(exitCode: number, stdout: string, stderr = ''): Exec {
  const r = { command: 'docker version', exitCode, stdout, stderr };
  return {
    run: async () => r,
    tryRun: async () => r,
    tail: async () => ({ ...r, lines: [] }),
    stream: async () => exitCode,
  };
}

describe('dockerdStartedAt', () => {
  it('reads the dockerd process start from /proc (boot time + start ticks)', async () => {
    expect(await dockerdStartedAt(await fakeProc(250))).toBe((1796137319 + 2.5) * 1000);
  });
  it('is undefined without a /proc', async () => {
    expect(await dockerdStartedAt('/no/such/proc')).toBeUndefined();
  });
});

describe('daemonFault', () => {
  const up = docker(0, '20.10.24\n');
  it('names an unreachable daemon with what the client said', async () => {
    const f = await daemonFault(0, {
      exec: docker(
        1,
        '',
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      ),
    });
    expect(f?.message).toBe(
      'the Docker daemon is unreachable (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?)',
    );
    expect(f?.hint).toMatch(/docker info.*bf infra start.*run the same command again/);
  });
  it('names a restart during the command: the daemon is younger than the command', async () => {
    const f = await daemonFault(1000, {
      exec: up,
      startedAt: async () => Date.parse('2026-12-01T21:50:12Z'),
    });
    expect(f?.message).toBe(
      "the Docker daemon restarted at 21:50:12 UTC, during this command: the stack's containers stopped with it",
    );
  });
  it('says nothing when the daemon was up all along', async () => {
    expect(await daemonFault(Date.now(), { exec: up, startedAt: async () => 1000 })).toBeUndefined();
    expect(await daemonFault(Date.now(), { exec: up, startedAt: async () => undefined })).toBeUndefined();
  });
});

describe('with the real docker client and no daemon behind its socket', () => {
  const env = { ...process.env, DOCKER_HOST: `unix://${tmpdir()}/bf-no-daemon-${process.pid}.sock` };
  it('daemonFault names the daemon unreachable with what the client said', async () => {
    const f = await daemonFault(0, { env });
    expect(f?.message).toMatch(
      /^the Docker daemon is unreachable \(.*Cannot connect to the Docker daemon at unix:\/\/.*bf-no-daemon/,
    );
  });
  it('a compose health check on that engine fails at once (fatal), naming the daemon', async () => {
    const compose = new ComposeProject({ name: 'bf-no-daemon', files: [], env });
    const r = await composeHealthCheck('kafka', () => compose.containers(), true).probe();
    expect(r).toMatchObject({ ok: false, fatal: true });
    expect(r.detail).toMatch(/^the Docker daemon is unreachable \(Cannot connect to the Docker daemon/);
  });
});

describe('withDaemonFault', () => {
  const down = { exec: docker(1, '', 'Cannot connect to the Docker daemon') };
  it('puts the daemon first, then what failed, with what to do', async () => {
    const e = await withDaemonFault(
      new BfError('publish: kafka at 127.0.0.1:9092 failed', { hint: 'x' }),
      0,
      down,
    );
    expect((e as BfError).message).toBe(
      'the Docker daemon is unreachable (Cannot connect to the Docker daemon)\n  what failed: publish: kafka at 127.0.0.1:9092 failed',
    );
    expect((e as BfError).hint).toMatch(/^check the engine with `docker info`/);
  });
  it('leaves interruptions and bad input alone', async () => {
    const interrupted = new BfError('interrupted by SIGINT', { exitCode: 130 });
    expect(await withDaemonFault(interrupted, 0, down)).toBe(interrupted);
    const plain = new Error('x');
    expect(await withDaemonFault(plain, 0, down)).toBe(plain);
  });
});
