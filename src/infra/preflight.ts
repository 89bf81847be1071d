import { readFile, statfs } from 'node:fs/promises';
import { createServer } from 'node:net';
import { freemem } from 'node:os';
import { SERVICES } from '../config/stack.ts';
import { BfError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';
import { dockerMissingError, type PublishedPort } from './compose.ts';
import { type Exec, ExecError, execaExec } from './exec.ts';

/** Below this much available memory the stack (sized for a 7 GiB runner) will not come up. */
export const MIN_AVAILABLE_MEMORY_BYTES = 3 * 1024 ** 3;
/** Free disk under Docker's root: volumes, logs, the Spark/ES working data. */
export const MIN_FREE_DISK_BYTES = 4 * 1024 ** 3;

export interface PreflightFacts {
  serverVersion: string;
  composeVersion: string;
  availableMemoryBytes: number;
  freeDiskBytes: number;
  diskPath: string;
}

/** Docker CLI present and daemon reachable: returns the engine's version. */
export async function checkDocker(exec: Exec = execaExec): Promise<string> {
  let r: Awaited<ReturnType<Exec['tryRun']>>;
  try {
    r = await exec.tryRun('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 20_000 });
  } catch (e) {
    if (e instanceof ExecError && e.notFound) throw dockerMissingError(e);
    throw e;
  }
  const version = r.stdout.trim();
  if (r.exitCode !== 0 || !version) {
    throw new BfError(
      `Docker daemon not reachable: ${r.stderr.trim().split('\n').slice(-2).join(' ') || 'no answer'}`,
      {
        hint: 'start the engine (e.g. `sudo systemctl start docker`, or infra/scripts/provision-docker.sh here) and check `docker info`',
      },
    );
  }
  return version;
}

/** Compose v2 (the `docker compose` plugin); v1's `docker-compose` lacks `ps --format json` and `--wait`. */
export async function checkComposeV2(exec: Exec = execaExec): Promise<string> {
  const r = await exec.tryRun('docker', ['compose', 'version', '--short'], { timeoutMs: 20_000 });
  const version = r.stdout.trim();
  if (r.exitCode !== 0 || !/^v?2\./.test(version)) {
    throw new BfError(
      `Docker Compose v2 not found (docker compose version: ${version || r.stderr.trim() || 'none'})`,
      {
        hint: 'install the compose plugin (package docker-compose-plugin, or infra/scripts/provision-docker.sh here)',
      },
    );
  }
  return version.replace(/^v/, '');
}

/** Tries to bind the port the way Docker will; resolves to the error code when it cannot (EADDRINUSE, EACCES). */
export function tryBind(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * The process listening on a port, from one line of `ss -ltnpH`, e.g.
 * `LISTEN 0 511 127.0.0.1:9200 0.0.0.0:* users:(("node",pid=4242,fd=21))` → `node (pid 4242)`.
 */
export function parseSsHolder(ssOutput: string, port: number): string | undefined {
  for (const line of ssOutput.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const local = cols.find((c, i) => i >= 3 && /:\d+$/.test(c));
    if (!local?.endsWith(`:${port}`)) continue;
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
    return m ? `${m[1]} (pid ${m[2]})` : 'a process bf may not inspect (try: sudo ss -ltnp)';
  }
  return undefined;
}

/** Who holds a port: `ss` when it is there; undefined when it cannot tell. */
export async function portHolder(port: number, exec: Exec = execaExec): Promise<string | undefined> {
  try {
    const r = await exec.tryRun('ss', ['-ltnpH', `sport = :${port}`], { timeoutMs: 5000 });
    if (r.exitCode !== 0) return undefined;
    return parseSsHolder(r.stdout, port);
  } catch {
    return undefined;
  }
}

/** Ports the project's own running containers publish: not a conflict. A function so it runs only when needed. */
export type OwnPorts = ReadonlySet<number> | (() => Promise<ReadonlySet<number>>);

/**
 * Every published port must be bindable. Each is bound in-process first (a millisecond, no child process); only
 * a port that cannot be bound costs a look at the project's own containers (`skip`: starting an already running
 * stack is not a conflict) and at who holds it.
 */
export async function checkPorts(
  ports: readonly PublishedPort[],
  opts: { skip?: OwnPorts; exec?: Exec } = {},
): Promise<void> {
  const refused: { p: PublishedPort; code: string }[] = [];
  for (const p of ports) {
    const code = await tryBind(p.published, p.hostIp === '' ? '0.0.0.0' : p.hostIp);
    if (code) refused.push({ p, code });
  }
  if (!refused.length) return;
  // Both look-ups at once: the project's own containers, and who holds each port.
  const [skip, holders] = await Promise.all([
    typeof opts.skip === 'function' ? opts.skip() : (opts.skip ?? new Set<number>()),
    Promise.all(
      refused.map(({ p, code }) =>
        code === 'EADDRINUSE' ? portHolder(p.published, opts.exec) : Promise.resolve(undefined),
      ),
    ),
  ]);
  const busy = refused.flatMap(({ p, code }, i) => {
    if (skip.has(p.published)) return [];
    const holder = holders[i];
    return [
      `${p.hostIp}:${p.published} (${p.service}, container port ${p.target}) ${
        code === 'EADDRINUSE' ? `is in use${holder ? ` by ${holder}` : ''}` : `cannot be bound: ${code}`
      }`,
    ];
  });
  if (busy.length) {
    throw new BfError(`host port${busy.length > 1 ? 's' : ''} not free: ${busy.join('; ')}`, {
      hint: `stop that process, or move the service with its port variable (${PORT_VARIABLES.join(', ')})`,
    });
  }
}

/** Every host port variable of the stack, for the hint. */
const PORT_VARIABLES = Object.values(SERVICES).flatMap((s) => s.ports.map((p) => p.env));

/** MemAvailable from /proc/meminfo (counts reclaimable cache); os.freemem() elsewhere. */
export async function availableMemory(): Promise<number> {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(await readFile('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
}

/** Free bytes for Docker's data: its root dir when readable, else the filesystem of `/`. */
export async function freeDisk(exec: Exec = execaExec): Promise<{ bytes: number; path: string }> {
  const candidates: string[] = [];
  try {
    const r = await exec.tryRun('docker', ['info', '--format', '{{.DockerRootDir}}'], { timeoutMs: 20_000 });
    if (r.exitCode === 0 && r.stdout.trim()) candidates.push(r.stdout.trim());
  } catch {
    // fall through to /
  }
  candidates.push('/');
  for (const path of candidates) {
    try {
      const s = await statfs(path);
      return { bytes: s.bavail * s.bsize, path };
    } catch {
      // e.g. /var/lib/docker is root-only: try the next
    }
  }
  return { bytes: Number.POSITIVE_INFINITY, path: 'unknown' };
}

export function checkResources(
  memoryBytes: number,
  disk: { bytes: number; path: string },
  limits = { memory: MIN_AVAILABLE_MEMORY_BYTES, disk: MIN_FREE_DISK_BYTES },
): void {
  const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
  if (memoryBytes < limits.memory) {
    throw new BfError(
      `not enough memory for the stack: ${gib(memoryBytes)} available, ${gib(limits.memory)} needed`,
      {
        hint: 'free memory, start fewer services (--services), or lower SPARK_WORKER_MEMORY',
      },
    );
  }
  if (disk.bytes < limits.disk) {
    throw new BfError(
      `not enough disk for the stack: ${gib(disk.bytes)} free on ${disk.path}, ${gib(limits.disk)} needed`,
      {
        hint: 'free disk space (e.g. `docker system prune`)',
      },
    );
  }
}

/**
 * All preflight checks, cheapest first (the in-process port binds before any child process); each failure is a
 * BfError naming what is wrong and what to do.
 */
export async function preflight(opts: {
  ports: readonly PublishedPort[];
  skipPorts?: OwnPorts;
  exec?: Exec;
  logger?: Logger;
}): Promise<PreflightFacts> {
  const exec = opts.exec ?? execaExec;
  await checkPorts(opts.ports, { skip: opts.skipPorts, exec });
  const serverVersion = await checkDocker(exec);
  const composeVersion = await checkComposeV2(exec);
  const availableMemoryBytes = await availableMemory();
  const disk = await freeDisk(exec);
  checkResources(availableMemoryBytes, disk);
  opts.logger?.info(
    `preflight ok: docker ${serverVersion}, compose ${composeVersion}, ${opts.ports.length} host port(s) free, ` +
      `${(availableMemoryBytes / 1024 ** 3).toFixed(1)} GiB memory, ${(disk.bytes / 1024 ** 3).toFixed(0)} GiB disk`,
  );
  return {
    serverVersion,
    composeVersion,
    availableMemoryBytes,
    freeDiskBytes: disk.bytes,
    diskPath: disk.path,
  };
}
