import { access } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { BfError } from '../util/errors.ts';
import { DAEMON_HINT, DAEMON_UNREACHABLE, DAEMON_UNREACHABLE_SAID } from './daemon.ts';
import { type Exec, ExecError, type ExecResult, execaExec } from './exec.ts';

/** One published port of a service in the resolved compose config. */
export interface PublishedPort {
  service: string;
  hostIp: string;
  /** Port inside the container. */
  target: number;
  /** Port on the host. */
  published: number;
}

export interface ComposeConfig {
  services: string[];
  ports: PublishedPort[];
  /** Services that declare a compose healthcheck (others are ready when running). */
  withHealthcheck: string[];
  /** depends_on of each service. */
  dependsOn: Record<string, string[]>;
  /** The image each service runs (after BF_*_IMAGE interpolation). */
  images: Record<string, string>;
}

/** A container of the project as `compose ps` reports it. */
export interface ContainerState {
  id: string;
  name: string;
  service: string;
  /** running, exited, restarting, created, paused, dead */
  state: string;
  /** healthy, unhealthy, starting, or '' when the service has no healthcheck. */
  health: string;
  status: string;
  exitCode: number;
  publishers: { url: string; targetPort: number; publishedPort: number; protocol: string }[];
}

const configSchema = z.object({
  services: z.record(
    z.string(),
    z
      .object({
        image: z.string().optional(),
        ports: z
          .array(
            z.object({
              host_ip: z.string().optional(),
              target: z.coerce.number(),
              published: z.coerce.number().optional(),
            }),
          )
          .optional(),
        healthcheck: z.object({ disable: z.boolean().optional() }).passthrough().optional(),
        depends_on: z.record(z.string(), z.unknown()).optional(),
      })
      .passthrough(),
  ),
});

const psEntrySchema = z
  .object({
    ID: z.string(),
    Name: z.string(),
    Service: z.string(),
    State: z.string(),
    Health: z.string().optional().default(''),
    Status: z.string().optional().default(''),
    ExitCode: z.number().optional().default(0),
    Publishers: z
      .array(
        z.object({
          URL: z.string().optional().default(''),
          TargetPort: z.number(),
          PublishedPort: z.number(),
          Protocol: z.string().optional().default('tcp'),
        }),
      )
      .nullable()
      .optional(),
  })
  .passthrough();

/** `compose ps --format json` printed a JSON array before v2.21 and one object per line since: accept both. */
export function parsePs(stdout: string): ContainerState[] {
  const text = stdout.trim();
  if (!text) return [];
  const raw: unknown[] = text.startsWith('[')
    ? (JSON.parse(text) as unknown[])
    : text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as unknown);
  return raw.map((r) => {
    const e = psEntrySchema.parse(r);
    return {
      id: e.ID,
      name: e.Name,
      service: e.Service,
      state: e.State,
      health: e.Health,
      status: e.Status,
      exitCode: e.ExitCode,
      publishers: (e.Publishers ?? []).map((p) => ({
        url: p.URL,
        targetPort: p.TargetPort,
        publishedPort: p.PublishedPort,
        protocol: p.Protocol,
      })),
    };
  });
}

/** Health as compose reports it, from `docker ps`'s Status text: `Up 3 minutes (health: starting)` → starting. */
function healthFromStatus(status: string): string {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  return m ? m[1]!.replace('health: ', '') : '';
}

/**
 * `docker ps --format '{{json .}}'` lines of a compose project → ContainerState. About 4x cheaper than
 * `compose ps` (no project loading), which matters when polling on a 2-core runner.
 */
export function parseDockerPs(stdout: string): ContainerState[] {
  const out: ContainerState[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as Record<string, string>;
    const labels = Object.fromEntries(
      (e.Labels ?? '').split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    if (labels['com.docker.compose.oneoff'] === 'True' || !labels['com.docker.compose.service']) continue;
    const status = e.Status ?? '';
    const publishers = (e.Ports ?? '')
      .split(', ')
      .map((p) => /^(?:(.*):(\d+)->)?(\d+)\/(\w+)$/.exec(p.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({
        url: m[1] ?? '',
        publishedPort: Number(m[2] ?? 0),
        targetPort: Number(m[3]),
        protocol: m[4]!,
      }));
    out.push({
      id: e.ID ?? '',
      name: e.Names ?? '',
      service: labels['com.docker.compose.service']!,
      state: e.State ?? '',
      health: healthFromStatus(status),
      status,
      exitCode: Number(/^Exited \((\d+)\)/.exec(status)?.[1] ?? 0),
      publishers,
    });
  }
  return out;
}

export function parseConfig(stdout: string): ComposeConfig {
  const cfg = configSchema.parse(JSON.parse(stdout));
  const services = Object.keys(cfg.services).sort();
  const ports: PublishedPort[] = [];
  const withHealthcheck: string[] = [];
  const dependsOn: Record<string, string[]> = {};
  const images: Record<string, string> = {};
  for (const [service, def] of Object.entries(cfg.services)) {
    if (def.image) images[service] = def.image;
    dependsOn[service] = Object.keys(def.depends_on ?? {}).sort();
    if (def.healthcheck && !def.healthcheck.disable) withHealthcheck.push(service);
    for (const p of def.ports ?? []) {
      if (p.published === undefined || Number.isNaN(p.published)) continue;
      ports.push({ service, hostIp: p.host_ip || '0.0.0.0', target: p.target, published: p.published });
    }
  }
  return { services, ports, withHealthcheck: withHealthcheck.sort(), dependsOn, images };
}

/** The services plus everything they depend on, transitively (what `compose up <services>` starts). */
export function withDependencies(config: ComposeConfig, services: readonly string[]): string[] {
  const out = new Set<string>();
  const visit = (s: string) => {
    if (out.has(s)) return;
    out.add(s);
    for (const d of config.dependsOn[s] ?? []) visit(d);
  };
  for (const s of services) visit(s);
  return config.services.filter((s) => out.has(s));
}

export interface ComposeProjectOptions {
  name: string;
  files: string[];
  env?: NodeJS.ProcessEnv;
  exec?: Exec;
}

/** A compose project: name + files + env. Every docker compose call of bf goes through here. */
export class ComposeProject {
  readonly name: string;
  readonly files: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly exec: Exec;
  private cachedConfig: Promise<ComposeConfig> | undefined;

  constructor(opts: ComposeProjectOptions) {
    this.name = opts.name;
    this.files = [...opts.files];
    this.env = opts.env ?? process.env;
    this.exec = opts.exec ?? execaExec;
  }

  args(...rest: string[]): string[] {
    return ['compose', '-p', this.name, ...this.files.flatMap((f) => ['-f', f]), ...rest];
  }

  private run(rest: string[], what: string, timeoutMs?: number): Promise<ExecResult> {
    return this.exec.run('docker', this.args(...rest), { env: this.env, timeoutMs }).catch((e: unknown) => {
      throw composeError(e, `docker compose ${what} (project ${this.name})`);
    });
  }

  /**
   * The resolved, validated config. A missing file, or one compose rejects, is a BfError naming that file
   * and carrying compose's stderr (compose's own message often names only a line number).
   */
  config(): Promise<ComposeConfig> {
    this.cachedConfig ??= this.loadConfig();
    return this.cachedConfig;
  }

  private async loadConfig(): Promise<ComposeConfig> {
    for (const f of this.files) {
      try {
        await access(f);
      } catch {
        throw new BfError(`compose file not found: ${f}`, {
          hint: 'check the --compose-file paths (relative paths are resolved from the current directory)',
        });
      }
    }
    const r = await this.exec
      .tryRun('docker', this.args('config', '--format', 'json'), { env: this.env })
      .catch((e: unknown) => {
        // The first docker call of every `bf infra` command: no Docker is a message, not a stack trace.
        throw e instanceof ExecError && e.notFound ? dockerMissingError(e) : e;
      });
    if (r.exitCode === 0) return parseConfig(r.stdout);
    const culprit = await this.firstBrokenFile();
    throw new BfError(`invalid compose file ${culprit}: ${r.stderr.trim() || `exit code ${r.exitCode}`}`, {
      hint: `fix ${culprit} (check it with: docker ${this.args('config').join(' ')})`,
    });
  }

  /** Adds files one at a time to find the first whose addition breaks the config. */
  private async firstBrokenFile(): Promise<string> {
    for (let i = 1; i <= this.files.length; i++) {
      const files = this.files.slice(0, i).flatMap((f) => ['-f', f]);
      const r = await this.exec.tryRun('docker', ['compose', '-p', this.name, ...files, 'config', '-q'], {
        env: this.env,
      });
      if (r.exitCode !== 0) return this.files[i - 1]!;
    }
    return this.files.join(', ');
  }

  async services(): Promise<string[]> {
    return (await this.config()).services;
  }

  /**
   * Starts the services (all when empty) detached; does not wait: readiness is bf's job. `timeoutMs` bounds it
   * (`up` itself waits for a `depends_on: service_healthy` dependency); a timeout throws a BfError whose cause is
   * an ExecError with `timedOut`.
   */
  async up(services: readonly string[] = [], opts: { timeoutMs?: number } = {}): Promise<void> {
    await this.run(['up', '-d', '--no-color', '--remove-orphans', ...services], 'up', opts.timeoutMs);
  }

  async down(opts: { volumes?: boolean } = {}): Promise<void> {
    await this.run(['down', '--remove-orphans', ...(opts.volumes ? ['--volumes'] : [])], 'down');
  }

  /** Stops containers, keeping them and their volumes (a later `up` is a warm start). */
  async stop(services: readonly string[] = []): Promise<void> {
    await this.run(['stop', ...services], 'stop');
  }

  /** Stops and removes the given services' containers only. */
  async remove(services: readonly string[]): Promise<void> {
    if (services.length) await this.run(['rm', '--stop', '--force', ...services], 'rm');
  }

  /** All containers of the project, stopped ones included. */
  async ps(): Promise<ContainerState[]> {
    const r = await this.run(['ps', '--all', '--format', 'json'], 'ps', 30_000);
    return parsePs(r.stdout);
  }

  /** Same as ps() through `docker ps` filtered by the project label: the cheap call readiness polls with. */
  async containers(): Promise<ContainerState[]> {
    const r = await this.exec.run(
      'docker',
      [
        'ps',
        '--all',
        '--no-trunc',
        '--filter',
        `label=com.docker.compose.project=${this.name}`,
        '--format',
        '{{json .}}',
      ],
      { env: this.env, timeoutMs: 30_000 },
    );
    return parseDockerPs(r.stdout);
  }

  /**
   * Calls `onEvent` for every lifecycle event of the project's containers (start, die, health_status, …) until `signal`
   * aborts. Lets readiness wake up the moment Docker reports a change instead of on the next poll.
   */
  watchEvents(onEvent: () => void, signal: AbortSignal): Promise<number> {
    const sink = new Writable({
      write(_chunk, _enc, done) {
        onEvent();
        done();
      },
    });
    return this.exec
      .stream(
        'docker',
        [
          'events',
          '--filter',
          `label=com.docker.compose.project=${this.name}`,
          '--filter',
          'type=container',
          ...['create', 'start', 'restart', 'die', 'stop', 'kill', 'oom', 'destroy', 'health_status'].flatMap(
            (e) => ['--filter', `event=${e}`],
          ),
        ],
        { env: this.env, stdout: sink, stderr: new Writable({ write: (_c, _e, d) => d() }), signal },
      )
      .catch(() => -1);
  }

  async restart(services: readonly string[] = []): Promise<void> {
    await this.run(['restart', ...services], 'restart');
  }

  /** Named volumes of the project (by compose's project label). */
  async volumes(): Promise<string[]> {
    const r = await this.exec.run(
      'docker',
      ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${this.name}`],
      { env: this.env, timeoutMs: 30_000 },
    );
    return r.stdout.split('\n').filter(Boolean);
  }

  /** The last `tail` log lines of a service (or all services), bounded in memory. */
  async logs(service: string | undefined, tail: number): Promise<string[]> {
    const r = await this.exec.tail(
      'docker',
      this.args('logs', '--no-color', '--tail', String(tail), ...(service ? [service] : [])),
      { env: this.env, maxLines: service ? tail : tail * 10, timeoutMs: 30_000 },
    );
    return r.lines.map(stripAnsi);
  }
}

/** Compose writes terminal escapes (line clears) into logs even with --no-color. */
export function stripAnsi(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/** A failed docker/compose call as the user should read it: a missing CLI or an unreachable daemon named as such. */
export function composeError(e: unknown, what: string): BfError {
  if (e instanceof ExecError) {
    if (e.notFound) return dockerMissingError(e);
    const said = e.stderr.trim().split('\n');
    const daemon = said.find((line) => DAEMON_UNREACHABLE.test(line));
    if (daemon) {
      return new BfError(`${DAEMON_UNREACHABLE_SAID}, so ${what} could not run: ${daemon.trim()}`, {
        cause: e,
        hint: DAEMON_HINT,
      });
    }
    return new BfError(
      `${what} failed (exit ${e.exitCode}): ${e.stderr.trim().split('\n').slice(-8).join('\n')}`,
      {
        cause: e,
        hint: 'run `bf infra status` and `bf infra logs` to see the containers',
      },
    );
  }
  return new BfError(`${what} failed: ${String(e)}`, { cause: e });
}

export function dockerMissingError(cause?: unknown): BfError {
  return new BfError('docker CLI not found on PATH', {
    cause,
    hint: 'install Docker (on Debian: infra/scripts/provision-docker.sh) and make sure `docker` is on PATH; `bf doctor` lists what the stack needs, and the embedded engine needs no Docker',
  });
}

/** Start time and health log of containers, from `docker inspect`. */
export interface ContainerDetail {
  id: string;
  startedAt: string | undefined;
  healthLog: { exitCode: number; output: string }[];
  /** The kernel's OOM killer ended a process of the container (Docker's `State.OOMKilled`). */
  oomKilled: boolean;
  /** Exit code of the main process when the container has exited. */
  exitCode: number | undefined;
  /** The memory limit in bytes (0: none). */
  memoryLimit: number;
}

const inspectSchema = z.array(
  z
    .object({
      Id: z.string(),
      State: z
        .object({
          StartedAt: z.string().optional(),
          OOMKilled: z.boolean().optional(),
          ExitCode: z.number().optional(),
          Status: z.string().optional(),
          Health: z
            .object({
              Log: z
                .array(z.object({ ExitCode: z.number(), Output: z.string() }).passthrough())
                .nullable()
                .optional(),
            })
            .passthrough()
            .nullable()
            .optional(),
        })
        .passthrough(),
      HostConfig: z.object({ Memory: z.number().optional() }).passthrough().optional(),
    })
    .passthrough(),
);

export async function inspectContainers(
  ids: readonly string[],
  exec: Exec = execaExec,
): Promise<ContainerDetail[]> {
  if (!ids.length) return [];
  const r = await exec.tryRun('docker', ['inspect', ...ids]);
  if (r.exitCode !== 0 && !r.stdout.trim().startsWith('[')) return [];
  return inspectSchema.parse(JSON.parse(r.stdout)).map((c) => ({
    id: c.Id,
    startedAt: c.State.StartedAt,
    healthLog: (c.State.Health?.Log ?? []).map((l) => ({ exitCode: l.ExitCode, output: l.Output.trim() })),
    oomKilled: c.State.OOMKilled === true,
    exitCode: c.State.Status === 'exited' || c.State.Status === 'dead' ? c.State.ExitCode : undefined,
    memoryLimit: c.HostConfig?.Memory ?? 0,
  }));
}
