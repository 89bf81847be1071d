import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { howToGetNode, MIN_NODE_MAJOR } from '../../bin/node-check.js';
import {
  DEFAULT_PROJECT,
  defaultComposeFiles,
  hostPort,
  PROJECT_ENV,
  SERVICE_NAMES,
  SERVICES,
  STACK_HOST,
} from '../config/stack.ts';
import { type Exec, execaExec } from '../infra/exec.ts';
import {
  availableMemory,
  checkComposeV2,
  checkDocker,
  freeDisk,
  MIN_AVAILABLE_MEMORY_BYTES,
  MIN_FREE_DISK_BYTES,
  portHolder,
  tryBind,
} from '../infra/preflight.ts';
import { openLakeBrowser } from '../lake/browse/index.ts';
import { Lake, META_FILE, resolveWorkdir, TABLE, TABLE_NAMES } from '../lake/index.ts';
import { BfError } from '../util/errors.ts';

/**
 * `bf doctor`'s checks: each answers one question about this machine for one of the two ways to run bf —
 * `embedded` (Node + DuckDB + a local lake) or `stack` (Docker Compose services). They reuse the preflight
 * probes of `bf infra start`; unlike preflight they never throw, so one run reports everything at once.
 */
export type CheckPath = 'embedded' | 'stack';
/** `missing` blocks its path; `warn` may work (e.g. images a registry would provide); `ok` is ready. */
export type CheckStatus = 'ok' | 'warn' | 'missing';

export interface CheckResult {
  name: string;
  path: CheckPath;
  status: CheckStatus;
  detail: string;
  /** What to do about it, when not ok. */
  hint?: string;
  facts?: Record<string, unknown>;
}

const PROVISION = 'bash infra/scripts/provision-docker.sh';
const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;

/** Node itself: bin/bf.js refuses older ones, so this reports the version (and guards direct imports). */
export function nodeCheck(version = process.versions.node): CheckResult {
  const ok = Number(version.split('.')[0]) >= MIN_NODE_MAJOR;
  return {
    name: 'node',
    path: 'embedded',
    status: ok ? 'ok' : 'missing',
    detail: `Node ${version} (needs ≥ ${MIN_NODE_MAJOR})`,
    hint: ok ? undefined : howToGetNode(process.platform, process.arch).trim(),
    facts: { version, minMajor: MIN_NODE_MAJOR },
  };
}

/** The embedded engine: the native DuckDB binding loads and answers a query. */
export async function duckdbCheck(): Promise<CheckResult> {
  try {
    const { DuckDBInstance } = await import('../engines/duckdb/native.ts');
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const version = String((await conn.runAndReadAll('SELECT version() AS v')).getRowObjects()[0]?.v);
    conn.closeSync();
    instance.closeSync();
    return {
      name: 'duckdb',
      path: 'embedded',
      status: 'ok',
      detail: `embedded engine DuckDB ${version}`,
      facts: { version },
    };
  } catch (e) {
    return {
      name: 'duckdb',
      path: 'embedded',
      status: 'missing',
      detail: `the embedded engine does not load: ${firstLine(e)}`,
      hint: 'run `npm ci` in the bf checkout (the DuckDB binding is a per-platform optional dependency)',
    };
  }
}

/**
 * What the local lake holds (`bf lake ls`'s summary: tables, rows, the prices' symbols and date range). An absent
 * lake is fine: the first run makes it.
 */
export async function lakeCheck(workdirOpt: string | undefined): Promise<CheckResult> {
  const workdir = resolveWorkdir(workdirOpt);
  const root = Lake.existing(workdir)?.root;
  if (!root || !TABLE_NAMES.some((t) => existsSync(join(root, t, META_FILE)))) {
    return {
      name: 'lake',
      path: 'embedded',
      status: 'ok',
      detail: `no lake yet in ${workdir} (the first \`bf pipeline run\` or \`bf data fetch\` creates it)`,
      facts: { workdir, exists: false, tables: [] },
    };
  }
  try {
    const browser = await openLakeBrowser('duckdb', { workdir });
    try {
      const tables = await browser.list();
      const prices = tables.find((t) => t.table === TABLE.prices);
      const range = prices?.dateRange ? `, ${prices.dateRange.first} → ${prices.dateRange.last}` : '';
      const detail = `${root}: ${tables.length} table(s)${
        prices
          ? `; prices ${prices.rows.toLocaleString('en-US')} rows, ${prices.symbols?.length ?? 0} symbols${range} (${
              prices.source
            }${prices.synthetic ? ', SYNTHETIC' : ''})`
          : ''
      }`;
      return {
        name: 'lake',
        path: 'embedded',
        status: 'ok',
        detail,
        facts: { workdir, exists: true, tables },
      };
    } finally {
      await browser.close();
    }
  } catch (e) {
    return {
      name: 'lake',
      path: 'embedded',
      status: 'missing',
      detail: `the lake cannot be read: ${firstLine(e)}`,
      hint:
        e instanceof BfError && e.hint
          ? e.hint
          : `\`bf lake verify --workdir ${workdir}\` names the broken table`,
    };
  }
}

export async function dockerCheck(exec: Exec = execaExec): Promise<CheckResult> {
  try {
    const version = await checkDocker(exec);
    return {
      name: 'docker',
      path: 'stack',
      status: 'ok',
      detail: `Docker engine ${version}`,
      facts: { version },
    };
  } catch (e) {
    return {
      name: 'docker',
      path: 'stack',
      status: 'missing',
      detail: firstLine(e),
      hint: `install and start a Docker engine: ${PROVISION} (Debian/Ubuntu, as root; a no-op where Docker is present), or https://docs.docker.com/engine/install/`,
    };
  }
}

export async function composeCheck(exec: Exec = execaExec): Promise<CheckResult> {
  try {
    const version = await checkComposeV2(exec);
    return {
      name: 'compose',
      path: 'stack',
      status: 'ok',
      detail: `Docker Compose ${version}`,
      facts: { version },
    };
  } catch (e) {
    return {
      name: 'compose',
      path: 'stack',
      status: 'missing',
      detail: e instanceof BfError ? e.message : `Docker Compose v2 not found: ${firstLine(e)}`,
      hint: `install the compose plugin: ${PROVISION} (package docker-compose-plugin)`,
    };
  }
}

interface PortState {
  service: string;
  role: string;
  env: string;
  port: number;
  free: boolean;
  /** Who holds it, when it is not free and that can be told. */
  holder?: string;
  /** Held by a container of this project's own stack (already running: not a conflict). */
  ownStack?: boolean;
}

/** Every host port the stack publishes (src/config: defaults and BF_*_PORT overrides) can be bound on STACK_HOST. */
export async function portsCheck(
  env: NodeJS.ProcessEnv = process.env,
  exec: Exec = execaExec,
): Promise<CheckResult> {
  const project = env[PROJECT_ENV] || DEFAULT_PROJECT;
  const states: PortState[] = [];
  try {
    for (const service of SERVICE_NAMES) {
      for (const p of SERVICES[service].ports) {
        const port = hostPort(service, p.role, env);
        const code = await tryBind(port, STACK_HOST);
        const s: PortState = { service, role: p.role, env: p.env, port, free: !code };
        if (code) {
          const container = await containerPublishing(port, exec);
          s.ownStack = container?.project === project;
          s.holder = container
            ? `container ${container.name}${container.project ? ` (project ${container.project})` : ''}`
            : code === 'EADDRINUSE'
              ? await portHolder(port, exec)
              : code;
        }
        states.push(s);
      }
    }
  } catch (e) {
    return {
      name: 'ports',
      path: 'stack',
      status: 'missing',
      detail: firstLine(e),
      hint: 'fix the BF_*_PORT value',
    };
  }
  const busy = states.filter((s) => !s.free && !s.ownStack);
  const own = states.filter((s) => s.ownStack);
  const list = (ss: PortState[]) => ss.map((s) => s.port).join(', ');
  const detail =
    busy.length > 0
      ? `host port(s) in use: ${busy
          .map((s) => `${s.port} (${s.service} ${s.role}, ${s.env}) by ${s.holder ?? 'an unknown process'}`)
          .join('; ')}`
      : `host ports ${list(states.filter((s) => s.free))} free on ${STACK_HOST}${
          own.length ? `; ${list(own)} held by the running ${project} stack` : ''
        }`;
  return {
    name: 'ports',
    path: 'stack',
    status: busy.length ? 'missing' : 'ok',
    detail,
    hint: busy.length
      ? `stop what holds them, or move the service with its variable (${busy.map((s) => `${s.env}=<port>`).join(' ')})`
      : undefined,
    facts: { host: STACK_HOST, project, ports: states },
  };
}

/** The container publishing a host port, from `docker ps --filter publish=`; undefined without Docker. */
async function containerPublishing(
  port: number,
  exec: Exec,
): Promise<{ name: string; project?: string } | undefined> {
  try {
    const r = await exec.tryRun(
      'docker',
      [
        'ps',
        '--filter',
        `publish=${port}`,
        '--format',
        '{{.Names}}\t{{.Label "com.docker.compose.project"}}',
      ],
      { timeoutMs: 10_000 },
    );
    const [name, project] = (r.exitCode === 0 ? (r.stdout.trim().split('\n')[0] ?? '') : '').split('\t');
    return name ? { name, project: project || undefined } : undefined;
  } catch {
    return undefined;
  }
}

export async function memoryCheck(): Promise<CheckResult> {
  const bytes = await availableMemory();
  const ok = bytes >= MIN_AVAILABLE_MEMORY_BYTES;
  return {
    name: 'memory',
    path: 'stack',
    status: ok ? 'ok' : 'missing',
    detail: `${gib(bytes)} available, the stack needs ${gib(MIN_AVAILABLE_MEMORY_BYTES)}`,
    hint: ok ? undefined : 'free memory, or start fewer services (bf infra start --services …)',
    facts: { availableBytes: bytes, neededBytes: MIN_AVAILABLE_MEMORY_BYTES },
  };
}

export async function diskCheck(exec: Exec = execaExec): Promise<CheckResult> {
  const disk = await freeDisk(exec);
  const ok = disk.bytes >= MIN_FREE_DISK_BYTES;
  return {
    name: 'disk',
    path: 'stack',
    status: ok ? 'ok' : 'missing',
    detail: `${gib(disk.bytes)} free on ${disk.path}, the stack needs ${gib(MIN_FREE_DISK_BYTES)}`,
    hint: ok ? undefined : `free disk space on ${disk.path}`,
    facts: { freeBytes: disk.bytes, path: disk.path, neededBytes: MIN_FREE_DISK_BYTES },
  };
}

interface ImageSet {
  images: string[];
  present: string[];
}

/** The images a compose file set resolves to (BF_*_IMAGE overrides applied), and which of them Docker has. */
async function imageSet(files: string[], have: ReadonlySet<string>, exec: Exec): Promise<ImageSet> {
  const args = ['compose', ...files.flatMap((f) => ['-f', f]), 'config', '--images'];
  const r = await exec.run('docker', args, { timeoutMs: 20_000 });
  const images = [
    ...new Set(
      r.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ].sort();
  return { images, present: images.filter((i) => have.has(i) || have.has(`${i}:latest`)) };
}

/**
 * The stack's images: the official ones (docker-compose.yml, pulled by `bf infra start` where a registry is
 * reachable) and the locally built ones (compose.local.yml, `--local`). Ready when either set is complete.
 */
export async function imagesCheck(exec: Exec = execaExec): Promise<CheckResult> {
  let official: ImageSet;
  let local: ImageSet;
  try {
    const r = await exec.run('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], {
      timeoutMs: 20_000,
    });
    const have = new Set(r.stdout.split('\n').map((l) => l.trim()));
    official = await imageSet(defaultComposeFiles({ local: false }), have, exec);
    local = await imageSet(defaultComposeFiles({ local: true }), have, exec);
  } catch (e) {
    return {
      name: 'images',
      path: 'stack',
      status: 'missing',
      detail: `cannot list images: ${firstLine(e)}`,
      hint: 'needs a running Docker engine and Compose v2 (see above)',
    };
  }
  const complete = (s: ImageSet) => s.present.length === s.images.length;
  const count = (s: ImageSet) => `${s.present.length}/${s.images.length}`;
  const facts = { official, local };
  if (complete(local)) {
    return {
      name: 'images',
      path: 'stack',
      status: 'ok',
      detail: `local images ${count(local)} present (use \`bf infra start --local\` or BF_LOCAL_IMAGES=1); official ${count(official)}`,
      facts,
    };
  }
  if (complete(official)) {
    return {
      name: 'images',
      path: 'stack',
      status: 'ok',
      detail: `official images ${count(official)} present`,
      facts,
    };
  }
  const missingLocal = local.images.filter((i) => !local.present.includes(i));
  return {
    name: 'images',
    path: 'stack',
    status: 'warn',
    detail: `official images ${count(official)} present (\`bf infra start\` pulls the rest, if a registry is reachable); local ${count(local)} (missing ${missingLocal.join(', ')})`,
    hint: 'without a registry, build the local images: bash infra/scripts/build-images.sh',
    facts,
  };
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}

/** Every check, the embedded path first; the Docker ones run side by side. */
export async function runChecks(opts: {
  workdir?: string;
  env?: NodeJS.ProcessEnv;
  exec?: Exec;
}): Promise<CheckResult[]> {
  const exec = opts.exec ?? execaExec;
  const env = opts.env ?? process.env;
  const [duckdb, lake, docker, compose, ports, memory, disk] = await Promise.all([
    duckdbCheck(),
    lakeCheck(opts.workdir),
    dockerCheck(exec),
    composeCheck(exec),
    portsCheck(env, exec),
    memoryCheck(),
    diskCheck(exec),
  ]);
  const images: CheckResult =
    docker.status === 'ok' && compose.status === 'ok'
      ? await imagesCheck(exec)
      : {
          name: 'images',
          path: 'stack',
          status: 'missing',
          detail: 'not checked: needs Docker and Compose v2',
          hint: 'after installing them: bash infra/scripts/build-images.sh (no registry) or let `bf infra start` pull',
        };
  return [nodeCheck(), duckdb, lake, docker, compose, ports, memory, disk, images];
}

export interface DoctorReport {
  /** The embedded path works here: `bf pipeline run --source sample` needs nothing more. */
  embedded: boolean;
  /** Nothing is missing for the stack path (warnings may remain). */
  stack: boolean;
  checks: CheckResult[];
}

export function verdict(checks: CheckResult[]): DoctorReport {
  const ready = (path: CheckPath) => checks.every((c) => c.path !== path || c.status !== 'missing');
  return { embedded: ready('embedded'), stack: ready('stack'), checks };
}
