/**
 * Exponential backoff with full jitter (AWS architecture blog): a uniform draw in
 * [0, min(cap, base * 2^attempt)), so synchronised clients spread out instead of retrying together.
 * `attempt` counts from 0 for the first retry.
 */
export function backoffDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/**
 * Parses an HTTP `Retry-After` value: delay-seconds or an HTTP date. Returns milliseconds to wait
 * from `nowMs` (never negative), or undefined when absent or unparseable.
 */
export function parseRetryAfterMs(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // HTTP dates always carry day/month names; without this, Date.parse would read "-5" as the year -5.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
