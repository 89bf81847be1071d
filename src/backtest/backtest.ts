/**
 * Event study and hold-N-days strategy for one signal over the equal-weight index of the breadth table.
 *
 * Conventions (all counted in trading days = rows of the series):
 * - Index: level_0 = 1 on the first row; level_t = level_{t−1}·(1 + ewReturn_t), a null ewReturn counts as 0.
 *   The first row's own ewReturn is therefore not earned by anyone (it happened before the window starts).
 * - Forward return after a firing on row t at horizon h: level_{t+h} / level_t − 1, only when row t+h exists.
 *   Every firing counts, including firings during an open trade.
 * - Strategy: buy at the close of the firing row s, hold rows s+1 … s+holdDays (cut short at the last row),
 *   earn ewReturn on those rows and 0 otherwise. Firings on rows s+1 … s+holdDays−1 are ignored (they extend
 *   nothing); a firing on the exit row s+holdDays opens a new trade at that same close. A firing on the last
 *   row opens no trade (there is no day to hold).
 * - Metrics (strategy and buy-and-hold) are over the same daily returns: rows 1 … n−1.
 */
import {
  type EquityPoint,
  FORWARD_HORIZONS,
  type ForwardReturnStats,
  type PerformanceMetrics,
  type SignalBacktest,
  type Trade,
} from '../domain/backtest.ts';
import type { BreadthDay } from '../domain/breadth.ts';
import { SIGNAL_NAMES, type SignalEvent, type SignalName } from '../domain/signal.ts';
import { BfError, UsageError } from '../util/errors.ts';
import {
  annualisedVolatility,
  cagr,
  drawdowns,
  equityCurve,
  maxDrawdown,
  mean,
  median,
  sharpeRatio,
  sortinoRatio,
  totalReturn,
} from './metrics.ts';

export const DEFAULT_HOLD_DAYS = 21;

export interface BacktestOptions {
  signal: SignalName;
  /** Trading days held after each entry; default 21. */
  holdDays?: number;
  /** Forward-return horizons in trading days; default FORWARD_HORIZONS. */
  horizons?: readonly number[];
}

type SeriesDay = Pick<BreadthDay, 'date' | 'ewReturn'>;

/** Daily index returns, one per row; row 0 is 0 (see the index convention above). */
export function indexReturns(series: readonly SeriesDay[]): number[] {
  return series.map((d, t) => (t === 0 ? 0 : (d.ewReturn ?? 0)));
}

/** Equal-weight index levels, level_0 = 1. */
export function indexLevels(series: readonly SeriesDay[]): number[] {
  return equityCurve(indexReturns(series).slice(1));
}

/** Row indices of `signal`'s firings, ascending and unique; throws on a firing dated outside the series. */
export function firingIndices(
  series: readonly SeriesDay[],
  events: readonly SignalEvent[],
  signal: SignalName,
): number[] {
  const rowOf = new Map(series.map((d, t) => [d.date, t]));
  const idx = new Set<number>();
  for (const e of events) {
    if (e.signal !== signal) continue;
    const t = rowOf.get(e.date);
    if (t === undefined) {
      throw new BfError(`signal ${signal} fired on ${e.date}, a date missing from the breadth series`, {
        hint: 'backtest the events generated from this same breadth series',
      });
    }
    idx.add(t);
  }
  return [...idx].sort((a, b) => a - b);
}

export function forwardReturnStats(
  levels: readonly number[],
  firings: readonly number[],
  signal: SignalName,
  horizons: readonly number[],
): ForwardReturnStats[] {
  return horizons.map((h) => {
    const rets = firings.filter((t) => t + h < levels.length).map((t) => levels[t + h]! / levels[t]! - 1);
    return {
      signal,
      horizon: h,
      count: rets.length,
      mean: mean(rets),
      median: median(rets),
      hitRate: rets.length === 0 ? null : rets.filter((r) => r > 0).length / rets.length,
    };
  });
}

/** Which rows are invested (rows ≥ 1) and the trades, under the hold-N convention above. */
export function simulateHold(
  series: readonly SeriesDay[],
  firings: readonly number[],
  holdDays: number,
  signal: SignalName,
): { invested: boolean[]; trades: Trade[] } {
  const returns = indexReturns(series);
  const last = series.length - 1;
  const invested = series.map(() => false);
  const trades: Trade[] = [];
  let exit = -1;
  for (const s of firings) {
    if (s < exit) continue; // already invested: the firing extends nothing
    const end = Math.min(s + holdDays, last);
    if (end <= s) continue; // firing on the last row: nothing left to hold
    let growth = 1;
    for (let t = s + 1; t <= end; t++) {
      invested[t] = true;
      growth *= 1 + returns[t]!;
    }
    trades.push({
      signal,
      entryDate: series[s]!.date,
      exitDate: series[end]!.date,
      days: end - s,
      return: growth - 1,
    });
    exit = end;
  }
  return { invested, trades };
}

export function performanceMetrics(
  returns: readonly number[],
  investedDays: number,
  trades: number,
): PerformanceMetrics {
  return {
    cagr: cagr(returns),
    volatility: annualisedVolatility(returns),
    sharpe: sharpeRatio(returns),
    sortino: sortinoRatio(returns),
    maxDrawdown: maxDrawdown(returns),
    exposure: returns.length === 0 ? 0 : investedDays / returns.length,
    trades,
    totalReturn: totalReturn(returns),
  };
}

function checkPositiveInteger(name: string, v: number, hint: string): void {
  if (!Number.isInteger(v) || v < 1)
    throw new UsageError(`${name} must be a positive integer, got ${v}`, hint);
}

export function runBacktest(
  series: readonly SeriesDay[],
  events: readonly SignalEvent[],
  opts: BacktestOptions,
): SignalBacktest {
  const holdDays = opts.holdDays ?? DEFAULT_HOLD_DAYS;
  const horizons = opts.horizons ?? FORWARD_HORIZONS;
  checkPositiveInteger(
    'hold days',
    holdDays,
    `pass a whole number of trading days, e.g. ${DEFAULT_HOLD_DAYS}`,
  );
  for (const h of horizons)
    checkPositiveInteger('forward horizon', h, 'pass whole trading days, e.g. 5,21,63');

  const firings = firingIndices(series, events, opts.signal);
  const levels = indexLevels(series);
  const { invested, trades } = simulateHold(series, firings, holdDays, opts.signal);

  const buyHoldReturns = indexReturns(series).slice(1);
  const strategyReturns = buyHoldReturns.map((r, i) => (invested[i + 1] ? r : 0));
  const investedDays = invested.filter(Boolean).length;

  const strategyEquity = equityCurve(strategyReturns);
  const strategyDd = drawdowns(strategyEquity);
  const buyHoldDd = drawdowns(levels);
  const equity: EquityPoint[] = series.map((d, t) => ({
    date: d.date,
    strategy: strategyEquity[t]!,
    buyHold: levels[t]!,
    strategyDrawdown: strategyDd[t]!,
    buyHoldDrawdown: buyHoldDd[t]!,
  }));

  return {
    signal: opts.signal,
    holdDays,
    firings: firings.length,
    forwardReturns: forwardReturnStats(levels, firings, opts.signal, horizons),
    trades,
    strategy: performanceMetrics(strategyReturns, investedDays, trades.length),
    buyHold: performanceMetrics(buyHoldReturns, buyHoldReturns.length, buyHoldReturns.length > 0 ? 1 : 0),
    equity,
  };
}

/** runBacktest for every signal name, in SIGNAL_NAMES order. */
export function runAllBacktests(
  series: readonly SeriesDay[],
  events: readonly SignalEvent[],
  opts: Omit<BacktestOptions, 'signal'> = {},
): SignalBacktest[] {
  return SIGNAL_NAMES.map((signal) => runBacktest(series, events, { ...opts, signal }));
}
