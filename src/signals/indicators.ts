/**
 * Small numeric building blocks for the breadth series and rules. Pure; no I/O.
 * Every window is counted in trading days, i.e. rows of the input, never calendar days.
 */

/** The conventional alpha of an N-period EMA: 2 / (N + 1). EMA10 → 2/11. */
export function emaAlphaForPeriod(period: number): number {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`EMA period must be a positive integer, got ${period}`);
  }
  return 2 / (period + 1);
}

/** One EMA update: prev + alpha·(value − prev). */
export function emaStep(prev: number, value: number, alpha: number): number {
  return prev + alpha * (value - prev);
}

/**
 * EMA over a series with gaps.
 * Seeding: the EMA equals the first non-null value on that value's row (no warm-up average).
 * Before that row the EMA is null. A null value after seeding leaves the EMA unchanged
 * (the previous EMA is carried), so a day without information neither moves nor resets it.
 */
export function emaSeries(values: readonly (number | null)[], alpha: number): (number | null)[] {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`EMA alpha must be in (0, 1], got ${alpha}`);
  const out: (number | null)[] = [];
  let ema: number | null = null;
  for (const v of values) {
    if (v !== null) ema = ema === null ? v : emaStep(ema, v, alpha);
    out.push(ema);
  }
  return out;
}

/**
 * Trailing sum of the last `window` values (rows t−window+1 … t), null until the window is full.
 * Uses exact re-summation per row (window is small) so there is no floating drift.
 */
export function rollingSum(values: readonly number[], window: number): (number | null)[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`rolling window must be a positive integer, got ${window}`);
  }
  const out: (number | null)[] = [];
  for (let t = 0; t < values.length; t++) {
    if (t + 1 < window) {
      out.push(null);
      continue;
    }
    let sum = 0;
    for (let k = t - window + 1; k <= t; k++) sum += values[k]!;
    out.push(sum);
  }
  return out;
}

/** Running total; out[t] = values[0] + … + values[t]. */
export function cumulativeSum(values: readonly number[]): number[] {
  const out: number[] = [];
  let sum = 0;
  for (const v of values) {
    sum += v;
    out.push(sum);
  }
  return out;
}

/** a / b, or null when b is 0 (the ratio is undefined, not zero or infinite). */
export function ratioOrNull(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}
