import { retryUntil } from './retry.ts';
import type { Clock, ProbeResult, ReadinessCheck } from './types.ts';
import { systemClock } from './types.ts';

/** Poll interval: small enough that a wait returns within ~1 s of the last service becoming ready. */
export const DEFAULT_POLL_INTERVAL_MS = 250;

export interface CheckOutcome {
  name: string;
  ok: boolean;
  detail: string;
  elapsedMs: number;
  timedOut: boolean;
}

export interface ServiceReadiness {
  service: string;
  ready: boolean;
  /** Time from the start of the wait until the service's last check passed (or gave up). */
  elapsedMs: number;
  checks: CheckOutcome[];
}

export interface ReadinessReport {
  ready: boolean;
  elapsedMs: number;
  services: ServiceReadiness[];
  notReady: ServiceReadiness[];
}

export type ProgressEvent =
  | { kind: 'waiting'; service: string; check: string; detail: string; elapsedMs: number }
  | {
      kind: 'check-ready';
      service: string;
      check: string;
      detail: string;
      elapsedMs: number;
      warning?: string;
    }
  | { kind: 'service-ready'; service: string; elapsedMs: number }
  | { kind: 'service-failed'; service: string; check: string; detail: string; elapsedMs: number };

export interface ForAllOptions {
  /** Overall deadline for every service. */
  deadlineMs: number;
  intervalMs?: number;
  clock?: Clock;
  onProgress?: (e: ProgressEvent) => void;
  /** Passed to retryUntil: ends the pause between attempts early when something changed. */
  wake?: () => Promise<void>;
}

/**
 * Waits for every service concurrently; within a service its checks run in order (compose health before the
 * semantic checks). Each check gets min(its own timeout, what is left of the overall deadline). Resolves as
 * soon as the last service is ready or has failed; never throws.
 */
export async function forAll(
  checks: readonly ReadinessCheck[],
  opts: ForAllOptions,
): Promise<ReadinessReport> {
  const clock = opts.clock ?? systemClock;
  const intervalMs = opts.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const start = clock.now();
  const deadline = start + opts.deadlineMs;
  const byService = new Map<string, ReadinessCheck[]>();
  for (const c of checks) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);

  const waitService = async (service: string, list: ReadinessCheck[]): Promise<ServiceReadiness> => {
    const outcomes: CheckOutcome[] = [];
    for (const check of list) {
      const left = Math.max(0, deadline - clock.now());
      const timeoutMs = Math.min(check.timeoutMs ?? Number.POSITIVE_INFINITY, left);
      let lastReported = '';
      const r = await retryUntil(check.probe.bind(check), {
        timeoutMs,
        intervalMs,
        clock,
        wake: opts.wake,
        onAttempt: (res: ProbeResult) => {
          // Report only changes, so a poll every 250 ms does not flood the log.
          if (res.detail === lastReported) return;
          lastReported = res.detail;
          opts.onProgress?.({
            kind: 'waiting',
            service,
            check: check.name,
            detail: res.detail,
            elapsedMs: clock.now() - start,
          });
        },
      });
      const elapsedMs = clock.now() - start;
      outcomes.push({ name: check.name, ok: r.ok, detail: r.last.detail, elapsedMs, timedOut: r.timedOut });
      if (!r.ok) {
        opts.onProgress?.({
          kind: 'service-failed',
          service,
          check: check.name,
          detail: r.last.detail,
          elapsedMs,
        });
        for (const rest of list.slice(list.indexOf(check) + 1)) {
          outcomes.push({ name: rest.name, ok: false, detail: 'not run', elapsedMs, timedOut: false });
        }
        return { service, ready: false, elapsedMs, checks: outcomes };
      }
      opts.onProgress?.({
        kind: 'check-ready',
        service,
        check: check.name,
        detail: r.last.detail,
        elapsedMs,
        ...(r.last.warning ? { warning: r.last.warning } : {}),
      });
    }
    const elapsedMs = clock.now() - start;
    opts.onProgress?.({ kind: 'service-ready', service, elapsedMs });
    return { service, ready: true, elapsedMs, checks: outcomes };
  };

  const services = await Promise.all([...byService].map(([s, list]) => waitService(s, list)));
  const notReady = services.filter((s) => !s.ready);
  return { ready: notReady.length === 0, elapsedMs: clock.now() - start, services, notReady };
}
