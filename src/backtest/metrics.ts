/**
 * Performance metrics of a daily return series. Pure; no I/O.
 * Conventions: 252 trading days a year; risk-free rate 0; drawdowns are POSITIVE fractions
 * (0.23 = 23 % below the running peak); a metric that is undefined for the input is null.
 */

export const TRADING_DAYS_PER_YEAR = 252;

const SQRT_YEAR = Math.sqrt(TRADING_DAYS_PER_YEAR);

export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Sample standard deviation (n − 1); null with fewer than 2 values; exactly 0 when all values are equal. */
export function sampleStd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  // Identical values: report an exact 0 rather than floating residue, so ratios over it become null.
  if (xs.every((x) => x === xs[0])) return 0;
  const m = mean(xs)!;
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** Π(1 + r) − 1. */
export function totalReturn(returns: readonly number[]): number {
  let g = 1;
  for (const r of returns) g *= 1 + r;
  return g - 1;
}

/** (1 + total)^(252 / days) − 1 with days = number of returns; null with no days or a total loss. */
export function cagr(returns: readonly number[]): number | null {
  if (returns.length === 0) return null;
  const growth = 1 + totalReturn(returns);
  if (growth <= 0) return null;
  return growth ** (TRADING_DAYS_PER_YEAR / returns.length) - 1;
}

/** Sample std × √252; null with fewer than 2 returns. */
export function annualisedVolatility(returns: readonly number[]): number | null {
  const sd = sampleStd(returns);
  return sd === null ? null : sd * SQRT_YEAR;
}

/** mean / sample std × √252 (rf = 0); null when the std is 0 or undefined. */
export function sharpeRatio(returns: readonly number[]): number | null {
  const sd = sampleStd(returns);
  if (sd === null || sd === 0) return null;
  return (mean(returns)! / sd) * SQRT_YEAR;
}

/** √(Σ min(r, 0)² / n) over ALL n days (target 0); null with no returns. */
export function downsideDeviation(returns: readonly number[]): number | null {
  if (returns.length === 0) return null;
  let ss = 0;
  for (const r of returns) ss += Math.min(r, 0) ** 2;
  return Math.sqrt(ss / returns.length);
}

/** mean / downside deviation × √252; null when no day lost money (deviation 0) or no returns. */
export function sortinoRatio(returns: readonly number[]): number | null {
  const dd = downsideDeviation(returns);
  if (dd === null || dd === 0) return null;
  return (mean(returns)! / dd) * SQRT_YEAR;
}

/** Equity starting at 1 before the first return: length returns.length + 1. */
export function equityCurve(returns: readonly number[]): number[] {
  const out = [1];
  let e = 1;
  for (const r of returns) {
    e *= 1 + r;
    out.push(e);
  }
  return out;
}

/** Per point, 1 − equity / running peak (positive fraction, 0 at a new high). */
export function drawdowns(equity: readonly number[]): number[] {
  let peak = Number.NEGATIVE_INFINITY;
  return equity.map((e) => {
    peak = Math.max(peak, e);
    return peak > 0 ? 1 - e / peak : 0;
  });
}

/** Largest drawdown of the equity curve of `returns` (positive fraction; 0 when it never falls). */
export function maxDrawdown(returns: readonly number[]): number {
  let worst = 0;
  for (const d of drawdowns(equityCurve(returns))) worst = Math.max(worst, d);
  return worst;
}
