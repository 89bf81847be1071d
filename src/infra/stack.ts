import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { defaultComposeFiles, PROJECT_NAME_PATTERN, projectName, REPO_ROOT } from '../config/stack.ts';
import { checkSparkImagesHavePython } from '../engines/spark/image-check.ts';
import { ensureSparkJars, SPARK_JARS_ENV, SPARK_SERVICES, withSparkJarsDir } from '../engines/spark/jars.ts';
import { BfError, UsageError } from '../util/errors.ts';
import { type Logger, silentLogger } from '../util/log.ts';
import {
  type ComposeConfig,
  ComposeProject,
  type ContainerState,
  inspectContainers,
  withDependencies,
} from './compose.ts';
import { type DaemonFault, daemonFault, withDaemonFault } from './daemon.ts';
import { type Exec, ExecError } from './exec.ts';
import { killedBy } from './exit-reason.ts';
import { preflight } from './preflight.ts';
import { imagesOf, pullImages } from './pull.ts';
import {
  DEFAULT_POLL_INTERVAL_MS,
  forAll,
  type ProgressEvent,
  type ReadinessReport,
} from './readiness/for-all.ts';
import { attempt } from './readiness/retry.ts';
import { sharedPs } from './readiness/shared-ps.ts';
import type { Clock } from './readiness/types.ts';
import { serviceLogBlock } from './service-logs.ts';

/** Which stack: project name and compose files. Shared by every use case. */
export interface StackTarget {
  /** Compose project name; default BF_PROJECT or `bf`. */
  project?: string;
  /** Generate `bf-<random>` (ignored when `project` is given): parallel runs don't collide. */
  uniqueProject?: boolean;
  /** Compose files; default infra/docker-compose.yml (+ infra/compose.local.yml with `local`). */
  composeFiles?: string[];
  /** Add infra/compose.local.yml (local images, no Kibana). Default: BF_LOCAL_IMAGES=1. */
  local?: boolean;
  env?: NodeJS.ProcessEnv;
  exec?: Exec;
  logger?: Logger;
}

export const DEFAULT_WAIT_SECONDS = 300;
/** Log lines shown per service that is not ready. */
export const FAILURE_LOG_LINES = 50;

export interface StartOptions extends StackTarget {
  /** Subset of services (their dependencies start too); default all. */
  services?: string[];
  /** false leaves Kibana out. */
  kibana?: boolean;
  /**
   * true: Kibana not ready or a refused dashboard import fails the start. Default false: Kibana is a viewer,
   * so its problems are warnings and the stack (and a pipeline on it) carries on.
   */
  kibanaRequired?: boolean;
  /** false skips the pull stage (the caller pulled already); default true. */
  pull?: boolean;
  waitSeconds?: number;
  keepOnFailure?: boolean;
  skipPreflight?: boolean;
  pollIntervalMs?: number;
  clock?: Clock;
}

export interface StartTimings {
  preflightMs: number;
  /** Image pulls: before `up`, never part of the readiness wait. */
  pullMs: number;
  upMs: number;
  waitMs: number;
}

export function composeProjectFor(t: StackTarget): ComposeProject {
  const name = projectName({ name: t.project, unique: t.uniqueProject, env: t.env });
  if (!PROJECT_NAME_PATTERN.test(name)) {
    throw new UsageError(
      `invalid project name: ${name}`,
      'use lowercase letters, digits, dashes and underscores, starting with a letter or digit',
    );
  }
  const files = t.composeFiles?.length ? t.composeFiles : defaultComposeFiles({ local: t.local, env: t.env });
  // Every compose call sees the same Spark jars dir (the compose file mounts it into the Spark services).
  return new ComposeProject({ name, files, env: withSparkJarsDir(t.env ?? process.env), exec: t.exec });
}

/** Services named by the user must exist in the compose config; the error lists the valid ones. */
export function validateServices(config: ComposeConfig, names: readonly string[]): void {
  const unknown = names.filter((n) => !config.services.includes(n));
  if (unknown.length) {
    throw new UsageError(
      `unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      `valid services: ${config.services.join(', ')}`,
    );
  }
}

/** The diagnosis of a service that did not become ready: health output and its last log lines. */
export interface ServiceDiagnosis {
  service: string;
  reason: string;
  healthOutput: string[];
  logTail: string[];
}

export class StackNotReadyError extends BfError {
  readonly report: ReadinessReport;
  readonly diagnoses: ServiceDiagnosis[];
  readonly project: string;
  /** `elapsedMs`: the time the wait covered (for a start, from `up` on); default the readiness wait's. */
  constructor(
    project: string,
    report: ReadinessReport,
    diagnoses: ServiceDiagnosis[],
    tornDown: boolean,
    elapsedMs = report.elapsedMs,
    daemon?: DaemonFault,
  ) {
    const names = diagnoses.map((d) => `${d.service} (${d.reason})`).join('; ');
    const notReady = `stack ${project} not ready after ${(elapsedMs / 1000).toFixed(1)} s: ${names}`;
    super(daemon ? `${daemon.message}\n  what failed: ${notReady}` : notReady, {
      hint: daemon
        ? daemon.hint
        : tornDown
          ? 'the health output and logs are above; the stack was torn down (use --keep-on-failure to inspect it)'
          : `the health output and logs are above; inspect with: bf infra status --project ${project}`,
    });
    this.name = 'StackNotReadyError';
    this.report = report;
    this.diagnoses = diagnoses;
    this.project = project;
  }
}

/** A started, ready stack. Owns its teardown. */
export class StartedStack {
  readonly compose: ComposeProject;
  /** Services waited for (selection plus dependencies). */
  readonly services: string[];
  readonly report: ReadinessReport;
  readonly timings: StartTimings;
  private downed = false;
  constructor(compose: ComposeProject, services: string[], report: ReadinessReport, timings: StartTimings) {
    this.compose = compose;
    this.services = services;
    this.report = report;
    this.timings = timings;
  }
  get project(): string {
    return this.compose.name;
  }
  /** `compose down`; idempotent. */
  async down(opts: { volumes?: boolean } = {}): Promise<void> {
    if (this.downed) return;
    await this.compose.down(opts);
    this.downed = true;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.down({ volumes: true });
  }
}

/** Container state shared by the checks: refreshed on every Docker event of the project, else at most once a second. */
export const PS_MAX_AGE_MS = 1000;

/**
 * Readiness driven by Docker events: each event refreshes the shared container snapshot and wakes every
 * waiting check at once, so a health flip is seen in milliseconds without polling `docker ps` hard.
 */
function eventDrivenWatch(compose: ComposeProject) {
  const controller = new AbortController();
  let waiters: (() => void)[] = [];
  const ps = sharedPs(() => compose.containers(), PS_MAX_AGE_MS);
  void compose.watchEvents(() => {
    ps.invalidate();
    const wake = waiters;
    waiters = [];
    for (const w of wake) w();
  }, controller.signal);
  return {
    ps,
    wake: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () => {
      controller.abort();
      for (const w of waiters) w();
      waiters = [];
    },
  };
}

function progressLogger(logger: Logger): (e: ProgressEvent) => void {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return (e) => {
    switch (e.kind) {
      case 'waiting':
        logger.progress(`  … ${e.service}: ${e.check}: ${e.detail} (${s(e.elapsedMs)})`);
        break;
      case 'check-ready':
        if (e.warning) logger.warn(`${e.service}: ${e.warning}`);
        break;
      case 'service-ready':
        logger.info(`  ✓ ${e.service} ready after ${s(e.elapsedMs)}`);
        break;
      case 'service-failed':
        logger.warn(`${e.service} not ready: ${e.check}: ${e.detail} (${s(e.elapsedMs)})`);
        break;
    }
  };
}

async function diagnose(
  compose: ComposeProject,
  report: ReadinessReport,
  containers: ContainerState[],
): Promise<ServiceDiagnosis[]> {
  return Promise.all(
    report.notReady.map(async (s) => {
      const failed = s.checks.find((c) => !c.ok);
      const ids = containers.filter((c) => c.service === s.service).map((c) => c.id);
      const details = await inspectContainers(ids, compose.exec).catch(() => []);
      const killed = details.map(killedBy).find(Boolean);
      const reason = `${failed ? `${failed.name}: ${failed.detail}` : 'not ready'}${killed ? `: ${killed}` : ''}`;
      const healthOutput = details.flatMap((d) =>
        d.healthLog.slice(-3).map((l) => `exit ${l.exitCode}: ${l.output.slice(0, 500)}`),
      );
      const logTail = await compose
        .logs(s.service, FAILURE_LOG_LINES)
        .catch((e: unknown) => [`(no logs: ${e})`]);
      return { service: s.service, reason, healthOutput, logTail };
    }),
  );
}

function printDiagnoses(logger: Logger, diagnoses: ServiceDiagnosis[]): void {
  for (const d of diagnoses) {
    logger.error(`${d.service} not ready: ${d.reason}`);
    if (d.healthOutput.length)
      logger.info(`--- ${d.service} health check output ---\n${d.healthOutput.join('\n')}`);
    logger.info(serviceLogBlock(d.service, d.logTail));
  }
}

/**
 * preflight → up → wait for compose health and the semantic checks of every service. On any failure after
 * `up`, tears down what it started (unless keepOnFailure) and rethrows; the error names the services not ready.
 */
export async function startStack(opts: StartOptions = {}): Promise<StartedStack> {
  // The --wait deadline runs from here (like compose's --wait-timeout from its start), pulls excluded.
  const startedAt = performance.now();
  const waitSeconds = opts.waitSeconds ?? DEFAULT_WAIT_SECONDS;
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    throw new UsageError(`invalid wait: ${waitSeconds}`, 'give the wait in seconds, a number >= 0');
  }
  const compose = composeProjectFor(opts);
  const config = await compose.config();
  if (opts.services) validateServices(config, opts.services);
  let selected = opts.services?.length ? [...opts.services] : [...config.services];
  if (opts.kibana === false) selected = selected.filter((s) => s !== 'kibana');
  const services = withDependencies(config, selected);
  const watch = eventDrivenWatch(compose);
  try {
    return await startWatched(opts, compose, config, services, watch, startedAt);
  } finally {
    watch.close();
  }
}

async function startWatched(
  opts: StartOptions,
  compose: ComposeProject,
  config: ComposeConfig,
  services: string[],
  watch: ReturnType<typeof eventDrivenWatch>,
  startedAt: number,
): Promise<StartedStack> {
  const logger = opts.logger ?? silentLogger;
  const waitSeconds = opts.waitSeconds ?? DEFAULT_WAIT_SECONDS;
  const t0 = performance.now();
  if (!opts.skipPreflight) {
    await preflight({
      ports: config.ports.filter((p) => services.includes(p.service)),
      // `docker ps` by label: a third of `compose ps`'s time, and only asked when a port is refused.
      skipPorts: async () =>
        new Set(
          (await compose.containers().catch(() => [] as ContainerState[]))
            .filter((c) => c.state === 'running')
            .flatMap((c) => c.publishers.map((p) => p.publishedPort)),
        ),
      exec: compose.exec,
      logger,
    });
  }
  const before = await compose.ps().catch(() => [] as ContainerState[]);
  const volumesBefore = await compose.volumes().catch(() => ['unknown']);
  const runningBefore = new Set(before.filter((c) => c.state === 'running').map((c) => c.service));
  // Loaded after the preflight: the checks' clients (S3, Kafka, HTTP) take a second to load on a busy machine,
  // which a refused port should not wait for. Bad check targets still fail before anything starts.
  const { buildChecks } = await import('./readiness/stack-checks.ts');
  const checks = buildChecks(config, services, { ps: watch.ps, env: compose.env });
  const spark = services.filter((s) => (SPARK_SERVICES as readonly string[]).includes(s));
  if (spark.length) {
    await ensureSparkJars(compose.env[SPARK_JARS_ENV] as string, {
      exec: compose.exec,
      env: compose.env,
      logger,
    });
    await checkSparkImagesHavePython(compose, spark);
  }
  const t1 = performance.now();

  const teardown = async () => {
    if (opts.keepOnFailure) return false;
    try {
      if (before.length === 0) {
        // Nothing of this project existed: remove it all, and its volumes when this run created them.
        await compose.down({ volumes: volumesBefore.length === 0 });
      } else {
        await compose.remove(services.filter((s) => !runningBefore.has(s)));
      }
      return true;
    } catch (e) {
      logger.warn(`teardown of ${compose.name} failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  };

  const tPull = performance.now();
  if (opts.pull !== false) {
    logger.info(`pulling images of ${services.join(', ')}`);
    await pullImages({ compose, images: imagesOf(config, services), logger });
  }
  const pullMs = performance.now() - tPull;
  logger.info(`starting ${services.join(', ')} (project ${compose.name})`);
  // One deadline for the preflight, `up` and the readiness wait, like `compose up --wait --wait-timeout`; the pulls
  // are outside it. `up` itself can wait, for a dependency's health.
  const upStartedAt = Date.now();
  const deadline = startedAt + pullMs + waitSeconds * 1000;
  try {
    await compose.up(opts.services?.length || opts.kibana === false ? services : [], {
      // execa takes whole milliseconds.
      timeoutMs: Math.max(1, Math.ceil(deadline - performance.now())),
    });
  } catch (e) {
    // `up` ran out of the deadline: the checks below (one attempt each) name what is not ready.
    if (!(e instanceof BfError && e.cause instanceof ExecError && e.cause.timedOut)) {
      await teardown();
      throw await withDaemonFault(e, upStartedAt, { env: compose.env });
    }
    logger.warn(`docker compose up did not return within ${waitSeconds} s`);
  }
  const t2 = performance.now();
  const leftMs = Math.max(0, deadline - t2);
  logger.info(
    `waiting up to ${(leftMs / 1000).toFixed(1)} s more for ${services.length} service(s) (${waitSeconds} s in all, pulls excluded)`,
  );
  const report = await forAll(checks, {
    deadlineMs: leftMs,
    intervalMs: opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    clock: opts.clock,
    onProgress: progressLogger(logger),
    wake: watch.wake,
  });
  const t3 = performance.now();
  // Kibana only shows what the pipeline wrote: unless required, its not being ready is a warning.
  const blocking = report.notReady.filter((s) => opts.kibanaRequired || s.service !== 'kibana');
  if (blocking.length > 0) {
    // A daemon that went down or restarted stopped every container: that, not each service, is the fault.
    const daemon = await daemonFault(upStartedAt, { env: compose.env }).catch(() => undefined);
    if (daemon) logger.error(daemon.message);
    const diagnoses = await diagnose(compose, report, await compose.ps().catch(() => []));
    printDiagnoses(logger, diagnoses);
    const tornDown = await teardown();
    throw new StackNotReadyError(compose.name, report, diagnoses, tornDown, t3 - startedAt - pullMs, daemon);
  }
  const kibanaDown = report.notReady.find((s) => s.service === 'kibana');
  if (kibanaDown) {
    const failed = kibanaDown.checks.find((c) => !c.ok);
    logger.warn(
      `kibana not ready after ${(kibanaDown.elapsedMs / 1000).toFixed(1)} s (${failed ? `${failed.name}: ${failed.detail}` : 'not ready'}); ` +
        'continuing without the dashboards (require Kibana with kibana-required: true or --kibana-required)',
    );
  }
  logger.info(`stack ${compose.name} ready in ${((t3 - t0) / 1000).toFixed(1)} s`);
  if (services.includes('kibana') && !kibanaDown) {
    const { importDashboards } = await import('./dashboards.ts');
    const { KIBANA_OBJECTS_FILE, kibanaUrl } = await import('../config/publish.ts');
    await importDashboards({
      url: kibanaUrl(compose.env),
      file: join(REPO_ROOT, KIBANA_OBJECTS_FILE),
      logger,
      required: opts.kibanaRequired ?? false,
    });
  }
  return new StartedStack(compose, services, report, {
    preflightMs: t1 - t0,
    pullMs,
    upMs: t2 - t1 - pullMs,
    waitMs: t3 - t2,
  });
}

export interface ServiceStatus {
  service: string;
  container: string;
  state: string;
  health: string;
  ports: string[];
  /** Seconds since the container started; undefined when not running. */
  uptimeSeconds: number | undefined;
}

/** One row per service of the config (state `not created` when it has no container). */
export async function stackStatus(t: StackTarget = {}): Promise<ServiceStatus[]> {
  const compose = composeProjectFor(t);
  const config = await compose.config();
  const containers = await compose.ps();
  const details = await inspectContainers(
    containers.map((c) => c.id),
    compose.exec,
  );
  const now = Date.now();
  const rows: ServiceStatus[] = containers.map((c) => {
    const started = details.find((d) => d.id.startsWith(c.id) || c.id.startsWith(d.id))?.startedAt;
    const startedMs = started ? Date.parse(started) : Number.NaN;
    return {
      service: c.service,
      container: c.name,
      state: c.state,
      health: c.health,
      ports: c.publishers
        .filter((p) => p.publishedPort > 0)
        .map((p) => `${p.url || '0.0.0.0'}:${p.publishedPort}->${p.targetPort}/${p.protocol}`),
      uptimeSeconds:
        c.state === 'running' && Number.isFinite(startedMs)
          ? Math.round((now - startedMs) / 1000)
          : undefined,
    };
  });
  for (const s of config.services) {
    if (!rows.some((r) => r.service === s)) {
      rows.push({
        service: s,
        container: '',
        state: 'not created',
        health: '',
        ports: [],
        uptimeSeconds: undefined,
      });
    }
  }
  return rows.sort((a, b) => a.service.localeCompare(b.service));
}

export interface ServiceHealth {
  service: string;
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

export interface HealthReport {
  project: string;
  ok: boolean;
  services: ServiceHealth[];
}

/**
 * Runs every check once (no waiting) for the given services, default those with a container in the project.
 * All checks of a service run, so a report shows everything that is wrong at once.
 */
export async function stackHealth(t: StackTarget & { services?: string[] } = {}): Promise<HealthReport> {
  const compose = composeProjectFor(t);
  const config = await compose.config();
  if (t.services) validateServices(config, t.services);
  const containers = await compose.ps();
  const services = t.services?.length
    ? t.services
    : config.services.filter((s) => containers.some((c) => c.service === s));
  if (!services.length) {
    throw new BfError(`project ${compose.name} has no containers`, {
      hint: `start it with: bf infra start --project ${compose.name}`,
    });
  }
  const { buildChecks } = await import('./readiness/stack-checks.ts');
  const checks = buildChecks(config, services, { ps: async () => containers, env: compose.env });
  const results = await Promise.all(checks.map(async (c) => ({ c, r: await attempt(() => c.probe()) })));
  const report: ServiceHealth[] = services.map((service) => {
    const mine = results.filter((x) => x.c.service === service);
    return {
      service,
      ok: mine.every((x) => x.r.ok),
      checks: mine.map((x) => ({ name: x.c.name, ok: x.r.ok, detail: x.r.detail })),
    };
  });
  return { project: compose.name, ok: report.every((s) => s.ok), services: report };
}

export async function stopStack(t: StackTarget & { volumes?: boolean } = {}): Promise<void> {
  const compose = composeProjectFor(t);
  await compose.config();
  await compose.down({ volumes: t.volumes });
  (t.logger ?? silentLogger).info(`stopped ${compose.name}${t.volumes ? ' and removed its volumes' : ''}`);
}

/** Restarts one service (or all) — stopped containers start again — then waits for it to be ready. */
export async function restartService(
  t: StackTarget & { service?: string; waitSeconds?: number; pollIntervalMs?: number },
): Promise<ReadinessReport> {
  const logger = t.logger ?? silentLogger;
  const compose = composeProjectFor(t);
  const config = await compose.config();
  if (t.service) validateServices(config, [t.service]);
  const containers = await compose.ps();
  const services = t.service
    ? [t.service]
    : config.services.filter((s) => containers.some((c) => c.service === s));
  const watch = eventDrivenWatch(compose);
  const { buildChecks } = await import('./readiness/stack-checks.ts');
  let report: ReadinessReport;
  try {
    const checks = buildChecks(config, services, { ps: watch.ps, env: compose.env });
    logger.info(`restarting ${services.join(', ')} (project ${compose.name})`);
    await compose.restart(t.service ? [t.service] : []);
    report = await forAll(checks, {
      deadlineMs: (t.waitSeconds ?? DEFAULT_WAIT_SECONDS) * 1000,
      intervalMs: t.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      onProgress: progressLogger(logger),
      wake: watch.wake,
    });
  } finally {
    watch.close();
  }
  if (!report.ready) {
    const diagnoses = await diagnose(compose, report, await compose.ps().catch(() => []));
    printDiagnoses(logger, diagnoses);
    throw new StackNotReadyError(compose.name, report, diagnoses, false);
  }
  return report;
}

/** Prints logs: the last `tail` lines (bounded), or follows until the process ends or `signal` aborts. */
export async function stackLogs(
  t: StackTarget & {
    service?: string;
    tail: number;
    follow?: boolean;
    stdout: Writable;
    stderr: Writable;
    signal?: AbortSignal;
  },
): Promise<void> {
  const compose = composeProjectFor(t);
  const config = await compose.config();
  if (t.service) validateServices(config, [t.service]);
  if (t.follow) {
    const code = await compose.exec.stream(
      'docker',
      compose.args(
        'logs',
        '--no-color',
        '--follow',
        '--tail',
        String(t.tail),
        ...(t.service ? [t.service] : []),
      ),
      { env: compose.env, stdout: t.stdout, stderr: t.stderr, signal: t.signal },
    );
    if (code !== 0 && !t.signal?.aborted)
      throw new BfError(`docker compose logs --follow exited with ${code}`);
    return;
  }
  const lines = await compose.logs(t.service, t.tail);
  if (lines.length) t.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Streams each service's full log to `<dir>/<service>.log` (never held in memory: a busy Elasticsearch log
 * can exceed the largest string). Returns the files written. For the Action's post step and CI artifacts.
 */
export async function saveLogs(t: StackTarget & { dir: string; services?: string[] }): Promise<string[]> {
  const compose = composeProjectFor(t);
  const config = await compose.config();
  if (t.services) validateServices(config, t.services);
  const containers = await compose.ps();
  const services = t.services ?? config.services.filter((s) => containers.some((c) => c.service === s));
  await mkdir(t.dir, { recursive: true });
  const written: string[] = [];
  for (const service of services) {
    const file = join(t.dir, `${service}.log`);
    const out = createWriteStream(file);
    try {
      // `docker logs` per container: compose's own logs command writes terminal escapes into the text.
      for (const c of containers.filter((x) => x.service === service)) {
        await compose.exec.stream('docker', ['logs', '--timestamps', c.id], {
          env: compose.env,
          stdout: out,
          stderr: out,
        });
      }
    } finally {
      await new Promise<void>((resolve) => out.end(resolve));
    }
    written.push(file);
  }
  return written;
}
