import { BfError } from '../util/errors.ts';
import { type Logger, silentLogger } from '../util/log.ts';
import type { ComposeConfig, ComposeProject } from './compose.ts';
import { ExecError } from './exec.ts';
import type { Clock } from './readiness/types.ts';
import { systemClock } from './readiness/types.ts';

/**
 * The pull stage: every image of the selected services is pulled before `up`, one service at a time, so each
 * has its own time and size and the readiness wait (`wait-timeout`) never includes a download. Registries
 * rate-limit and hiccup, so 429, 5xx, network errors and timeouts are retried with backoff; a rate limit that
 * outlasts the retries is named as such with what to do. Images already on the machine are not pulled (what
 * `compose up` does with its default pull policy), which keeps locally built images working.
 */

/** Why a pull failed, from `docker compose pull`'s stderr. */
export type PullFailureKind =
  | 'rate-limit'
  | 'server'
  | 'network'
  | 'timeout'
  | 'not-found'
  | 'denied'
  | 'other';

/** Retried: the registry or the network may answer next time. */
const TRANSIENT: ReadonlySet<PullFailureKind> = new Set(['rate-limit', 'server', 'network', 'timeout']);

export function isTransient(kind: PullFailureKind): boolean {
  return TRANSIENT.has(kind);
}

/**
 * Classifies the daemon's error as `docker compose pull` prints it (`Error response from daemon: …`);
 * the patterns are the registry/daemon messages seen in real pulls (test/fixtures/compose-pull/).
 */
export function classifyPullError(stderr: string, timedOut = false): PullFailureKind {
  const s = stderr.toLowerCase();
  if (timedOut) return 'timeout';
  if (/toomanyrequests|429 too many requests|pull rate limit/.test(s)) return 'rate-limit';
  if (/manifest unknown|not found: manifest|name unknown|no such image/.test(s)) return 'not-found';
  if (/pull access denied|unauthorized|authentication required|denied: /.test(s)) return 'denied';
  if (
    /unexpected http status: 5\d\d|\b5\d\d (internal server error|bad gateway|service unavailable|gateway time-?out)/.test(
      s,
    )
  )
    return 'server';
  if (/timeout|timed out|deadline exceeded|context canceled/.test(s)) return 'timeout';
  if (
    /no such host|connection refused|connection reset|network is unreachable|unexpected eof|tls handshake|eof$/m.test(
      s,
    )
  )
    return 'network';
  return 'other';
}

export interface PulledImage {
  service: string;
  image: string;
  /** `present`: already on the machine, not pulled. */
  outcome: 'pulled' | 'present';
  seconds: number;
  /** Bytes of the image as stored (docker image inspect .Size); undefined when it could not be read. */
  sizeBytes: number | undefined;
  attempts: number;
}

export interface PullOptions {
  compose: ComposeProject;
  /** service → image, for the services to start (kibana only when it runs). */
  images: Record<string, string>;
  logger?: Logger;
  clock?: Clock;
  /** Attempts per image, the first included. */
  attempts?: number;
  /** Backoff before retry n (1-based): base × 2^(n-1), rate limits × 4. */
  backoffMs?: number;
  /** One attempt's limit: a registry that accepts the connection and never answers must not hang the job. */
  attemptTimeoutMs?: number;
}

export const PULL_ATTEMPTS = 4;
export const PULL_BACKOFF_MS = 5_000;
export const PULL_ATTEMPT_TIMEOUT_MS = 10 * 60_000;

/** The advice for a pull that failed for good, by kind. */
export function pullAdvice(kind: PullFailureKind, service: string): string {
  switch (kind) {
    case 'rate-limit':
      return `the registry's pull rate limit was hit: log in before the step (docker/login-action with a Docker Hub token lifts the anonymous limit), or point the image at a mirror (input images: ${service}=mirror.gcr.io/<image>, or BF_${service.toUpperCase().replace(/-/g, '_')}_IMAGE)`;
    case 'not-found':
      return `the image or tag does not exist: check the name (input images, or BF_${service.toUpperCase().replace(/-/g, '_')}_IMAGE)`;
    case 'denied':
      return 'the registry refused access: log in to it before the step, or use a public image';
    case 'server':
      return 'the registry kept failing (5xx): re-run later, or point the image at a mirror';
    case 'network':
    case 'timeout':
      return 'the registry could not be reached: check the runner network, or use a mirror or a pre-loaded image';
    default:
      return 'see the docker output above';
  }
}

export class PullError extends BfError {
  readonly service: string;
  readonly image: string;
  readonly kind: PullFailureKind;
  constructor(service: string, image: string, kind: PullFailureKind, attempts: number, detail: string) {
    const what = kind === 'rate-limit' ? 'registry rate limit' : kind;
    super(`pulling ${image} for ${service} failed after ${attempts} attempt(s) (${what}): ${detail}`, {
      hint: pullAdvice(kind, service),
    });
    this.name = 'PullError';
    this.service = service;
    this.image = image;
    this.kind = kind;
  }
}

/** The daemon's own message: the last `Error response from daemon:` line, else the last non-empty line. */
function daemonMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const daemon = lines.filter((l) => l.startsWith('Error response from daemon:')).at(-1);
  return (daemon ?? lines.at(-1) ?? 'no output').replace(/^Error response from daemon:\s*/, '').slice(0, 500);
}

async function imagePresent(compose: ComposeProject, image: string): Promise<boolean> {
  const r = await compose.exec.tryRun('docker', ['image', 'inspect', '--format', '{{.Id}}', image], {
    env: compose.env,
  });
  return r.exitCode === 0;
}

async function imageSize(compose: ComposeProject, image: string): Promise<number | undefined> {
  const r = await compose.exec.tryRun('docker', ['image', 'inspect', '--format', '{{.Size}}', image], {
    env: compose.env,
  });
  const n = Number(r.stdout.trim());
  return r.exitCode === 0 && Number.isFinite(n) ? n : undefined;
}

/** service → image for the given services (those without an image, e.g. built ones, are left out). */
export function imagesOf(config: ComposeConfig, services: readonly string[]): Record<string, string> {
  return Object.fromEntries(services.filter((s) => config.images[s]).map((s) => [s, config.images[s]!]));
}

/** Pulls each image (sequentially: parallel pulls share one link and hit rate limits sooner). */
export async function pullImages(opts: PullOptions): Promise<PulledImage[]> {
  const logger = opts.logger ?? silentLogger;
  const clock = opts.clock ?? systemClock;
  const attempts = opts.attempts ?? PULL_ATTEMPTS;
  const backoff = opts.backoffMs ?? PULL_BACKOFF_MS;
  const attemptTimeoutMs = opts.attemptTimeoutMs ?? PULL_ATTEMPT_TIMEOUT_MS;
  const out: PulledImage[] = [];
  for (const [service, image] of Object.entries(opts.images)) {
    const t0 = clock.now();
    if (await imagePresent(opts.compose, image)) {
      out.push({
        service,
        image,
        outcome: 'present',
        seconds: 0,
        sizeBytes: await imageSize(opts.compose, image),
        attempts: 0,
      });
      logger.info(`  ${service}: ${image} present, not pulled`);
      continue;
    }
    for (let attempt = 1; ; attempt++) {
      logger.info(`  ${service}: pulling ${image}${attempt > 1 ? ` (attempt ${attempt}/${attempts})` : ''}`);
      let failure: ExecError | undefined;
      try {
        await opts.compose.exec.run('docker', opts.compose.args('pull', '--quiet', service), {
          env: opts.compose.env,
          timeoutMs: attemptTimeoutMs,
        });
      } catch (e) {
        if (!(e instanceof ExecError) || e.notFound) throw e;
        failure = e;
      }
      if (!failure) {
        const seconds = (clock.now() - t0) / 1000;
        const sizeBytes = await imageSize(opts.compose, image);
        out.push({ service, image, outcome: 'pulled', seconds, sizeBytes, attempts: attempt });
        logger.info(
          `  ✓ ${service}: ${image} pulled in ${seconds.toFixed(1)} s${sizeBytes ? ` (${formatBytes(sizeBytes)})` : ''}`,
        );
        break;
      }
      const kind = classifyPullError(failure.stderr, failure.timedOut);
      const detail = failure.timedOut
        ? `no answer within ${(attemptTimeoutMs / 1000).toFixed(0)} s`
        : daemonMessage(failure.stderr);
      if (!isTransient(kind) || attempt >= attempts)
        throw new PullError(service, image, kind, attempt, detail);
      const wait = backoff * 2 ** (attempt - 1) * (kind === 'rate-limit' ? 4 : 1);
      logger.warn(
        `${service}: pull of ${image} failed (${kind}: ${detail}); retrying in ${(wait / 1000).toFixed(0)} s`,
      );
      await clock.sleep(wait);
    }
  }
  return out;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(0)} MiB`;
  return `${(n / 1024).toFixed(0)} KiB`;
}

/** The pulls as a Markdown table for the job summary. */
export function renderPulls(pulls: readonly PulledImage[]): string {
  if (pulls.length === 0) return '';
  const rows = pulls.map(
    (p) =>
      `| ${p.service} | \`${p.image}\` | ${p.outcome === 'present' ? 'present (not pulled)' : `${p.seconds.toFixed(1)} s${p.attempts > 1 ? ` (${p.attempts} attempts)` : ''}`} | ${p.sizeBytes === undefined ? '–' : formatBytes(p.sizeBytes)} |`,
  );
  return [
    '### Images',
    '',
    '| service | image | pull | size |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
