/** Off a terminal (CI logs, pipes), long work prints a progress line at most this often. */
export const PROGRESS_INTERVAL_MS = 5_000;
/** Overrides it, in milliseconds (a CI log that wants more or fewer lines). */
export const PROGRESS_INTERVAL_ENV = 'BF_PROGRESS_INTERVAL_MS';

export function progressIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[PROGRESS_INTERVAL_ENV]?.trim();
  const n = raw ? Number(raw) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : PROGRESS_INTERVAL_MS;
}
