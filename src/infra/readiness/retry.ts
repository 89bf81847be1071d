import type { Clock, ProbeResult } from './types.ts';

export interface RetryOutcome {
  ok: boolean;
  /** The last probe result (the ready one when ok). */
  last: ProbeResult;
  attempts: number;
  elapsedMs: number;
  timedOut: boolean;
}

export interface RetryOptions {
  timeoutMs: number;
  intervalMs: number;
  clock: Clock;
  /** Resolves when something changed (e.g. a Docker event): the wait between attempts ends early. */
  wake?: () => Promise<void>;
  /** Called after each attempt that is not ready. */
  onAttempt?: (result: ProbeResult, attempt: number) => void;
}

/** Runs one probe attempt, turning a throw into a not-ready result. */
export async function attempt(probe: () => Promise<ProbeResult>): Promise<ProbeResult> {
  try {
    return await probe();
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The one polling loop: probe until ready, fatal, or `timeoutMs` spent. Sleeps `intervalMs` between attempts,
 * never past the deadline, and always makes at least one attempt.
 */
export async function retryUntil(
  probe: () => Promise<ProbeResult>,
  opts: RetryOptions,
): Promise<RetryOutcome> {
  const { clock } = opts;
  const start = clock.now();
  const deadline = start + opts.timeoutMs;
  let attempts = 0;
  for (;;) {
    const last = await attempt(probe);
    attempts++;
    const elapsedMs = clock.now() - start;
    if (last.ok) return { ok: true, last, attempts, elapsedMs, timedOut: false };
    opts.onAttempt?.(last, attempts);
    if (last.fatal) return { ok: false, last, attempts, elapsedMs, timedOut: false };
    const remaining = deadline - clock.now();
    if (remaining <= 0) return { ok: false, last, attempts, elapsedMs, timedOut: true };
    const pause = clock.sleep(Math.min(opts.intervalMs, remaining));
    await (opts.wake ? Promise.race([pause, opts.wake()]) : pause);
  }
}
