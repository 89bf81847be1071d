/**
 * The Docker daemon lost mid-run, as bf sees it: the engine's API stops answering and every container of the stack
 * stops. Simulated, not a real dockerd restart: the daemon on this machine is shared and was not started by the
 * bench, so the bench puts a socket of its own in front of it (bf runs with DOCKER_HOST pointing there), cuts that
 * socket and stops the project's containers the way a daemon shutdown does (SIGTERM, then SIGKILL after 10 s), then
 * opens the socket again. What it measures: detected, time to a line naming the daemon, what is left running, and
 * whether the next run recovers.
 */
import { rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { defaultComposeFiles } from '../../src/config/stack.ts';
import { ComposeProject } from '../../src/infra/compose.ts';
import { BF_BIN, type FaultRow, portEnv } from './common.ts';
import { type DataStack, pipelineArgs } from './data-cases.ts';
import { projectContainers, run, runningServices, type Watched } from './observe.ts';

/** The engine's socket this machine's docker client uses. */
function engineSocket(): string {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

type Relay = Awaited<ReturnType<typeof engineRelay>>;

/** A unix socket relaying to the engine's, which the bench can cut (every connection dropped) and open again. */
async function engineRelay() {
  const path = join(tmpdir(), `bf-fault-engine-${process.pid}.sock`);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const open = async () => {
    await rm(path, { force: true });
    server = createServer((client) => {
      const upstream = connect(engineSocket());
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.unref();
        s.on('error', () => s.destroy());
        s.on('close', () => {
          sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(path, resolve));
    // The relay serves bf's child processes only: it must not keep the bench alive.
    server.unref();
  };
  await open();
  return {
    host: `unix://${path}`,
    async cut() {
      const closed = new Promise((r) => server?.close(r));
      for (const s of sockets) s.destroy();
      await closed;
      await rm(path, { force: true });
    },
    open,
  };
}

/** What a daemon shutdown does to the containers: SIGTERM, SIGKILL after 10 s (through the real engine). */
async function stopLikeDaemon(project: string): Promise<void> {
  const ids = await projectContainers(project);
  if (ids.length) await execa('docker', ['stop', '-t', '10', ...ids], { reject: false });
}

const NAMES_DAEMON = /Docker daemon/;

/**
 * Cuts the relay once `p` says `ready`, stops the project's containers as a daemon shutdown does, waits for `p` to
 * exit and opens the relay again: when it cut, how `p` exited, its failure line and the first line naming the daemon.
 */
async function cutMidCommand(relay: Relay, project: string, p: Watched, ready: RegExp) {
  await p.waitFor(ready);
  const cutAt = Date.now();
  await relay.cut();
  const stopped = stopLikeDaemon(project);
  const exit = await p.exited;
  await stopped;
  await relay.open();
  return {
    exit,
    failure: p.lines.find((l) => l.text.startsWith('error: ')),
    named: p.lines.find((l) => l.at >= cutAt && NAMES_DAEMON.test(l.text)),
    cutAt,
  };
}

type Cut = Awaited<ReturnType<typeof cutMidCommand>>;

/** The table row of a daemon case (what is named, when, how it exited); the caller adds what was left and lost. */
function daemonRow(
  c: Cut,
  row: Pick<FaultRow, 'fault' | 'runner' | 'leftRunning' | 'dataLost'>,
  named = 'the Docker daemon (unreachable)',
): FaultRow {
  return {
    ...row,
    detected: c.exit.code !== 0 && c.failure !== undefined,
    seconds: c.named ? (c.named.at - c.cutAt) / 1000 : undefined,
    named: c.named ? named : c.failure ? 'not the daemon' : 'no',
    logLines: 0,
    message: c.failure?.text ?? '(no error line)',
    exit: String(c.exit.code ?? c.exit.signal),
  };
}

/** `bf pipeline run --publish` as its publish stage begins. */
export async function daemonLostMidPipeline(s: DataStack): Promise<FaultRow> {
  const relay = await engineRelay();
  const args = pipelineArgs(s, join(tmpdir(), `bf-faults-daemon-${process.pid}`));
  const p = run(process.execPath, [BF_BIN, ...args], { ...s.env, DOCKER_HOST: relay.host });
  const c = await cutMidCommand(relay, s.project, p, /^stage store: /);
  const left = await runningServices(s.project);
  // Recovery as a user would: the stack again, the same command again.
  const up = s.bf(['infra', 'start', '--local', '--project', s.project, '--services', s.services]);
  await up.exited;
  const again = s.bf(args);
  const againExit = await again.exited;
  await relay.cut();
  return daemonRow(c, {
    fault: 'Docker daemon lost as publish began (API cut, containers stopped; simulated)',
    runner: 'bf pipeline run --publish',
    leftRunning: `bf exited; stack: ${left.join(', ') || 'none'}`,
    dataLost: `next run (after bf infra start) exit ${againExit.code}`,
  });
}

/** `bf infra start` (kafka, s3) once it waits for readiness. */
export async function daemonLostMidStart(): Promise<FaultRow> {
  const relay = await engineRelay();
  const project = `bf-fault-${Math.random().toString(36).slice(2, 8)}`;
  const env = await portEnv();
  const compose = new ComposeProject({ name: project, files: defaultComposeFiles({ local: true }), env });
  try {
    const p = run(
      process.execPath,
      [BF_BIN, 'infra', 'start', '--local', '--project', project, '--services', 'kafka,s3', '--wait', '120'],
      { ...env, DOCKER_HOST: relay.host },
    );
    const c = await cutMidCommand(relay, project, p, /^waiting up to /);
    const left = await runningServices(project);
    const containers = (await projectContainers(project, true)).length;
    await relay.cut();
    return daemonRow(c, {
      fault: 'Docker daemon lost while waiting for readiness (API cut, containers stopped; simulated)',
      runner: 'bf infra start',
      leftRunning: `${left.join(', ') || 'nothing'} running; ${containers} stopped container(s) kept (teardown needs the daemon)`,
      dataLost: 'n/a',
    });
  } finally {
    await compose.down({ volumes: true }).catch(() => {});
  }
}
