/**
 * The report's first answer, in words: did a thrust fire, when, and what the equal-weight index did afterwards.
 * Pure: reads the breadth series (for the index), the firings and the backtests' forward-return statistics.
 */
import { indexLevels } from '../backtest/backtest.ts';
import type { SignalBacktest } from '../domain/backtest.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import { SIGNAL_NAMES, type SignalEvent, type SignalName } from '../domain/signal.ts';

/** Horizons (trading days) the first screen quotes; the tables below have all of FORWARD_HORIZONS. */
export const VERDICT_HORIZONS = [5, 21, 63] as const;

export interface AfterFiring {
  horizon: number;
  /** Index return from the firing day's close to `horizon` trading days later; null when the data ends before. */
  return: number | null;
}

export interface SignalVerdict {
  signal: SignalName;
  dates: string[];
  /** What followed the latest firing. */
  latest?: { date: string; value: number; after: AfterFiring[] };
  /** Mean forward return and hit rate over every firing, per quoted horizon (from the backtest). */
  average: { horizon: number; mean: number | null; hitRate: number | null; count: number }[];
}

export interface Verdict {
  fired: boolean;
  range: { start: string; end: string } | null;
  signals: SignalVerdict[];
}

/** Index return `h` rows after row `t` (level_{t+h} / level_t − 1), null past the end. */
function after(levels: readonly number[], t: number, h: number): number | null {
  return t + h < levels.length ? levels[t + h]! / levels[t]! - 1 : null;
}

export function thrustVerdict(
  series: readonly Pick<BreadthSeriesRow, 'date' | 'ewReturn'>[],
  events: readonly SignalEvent[],
  backtests: readonly Pick<SignalBacktest, 'signal' | 'forwardReturns'>[],
): Verdict {
  const levels = indexLevels(series);
  const rowOf = new Map(series.map((d, t) => [d.date, t]));
  const signals: SignalVerdict[] = [];
  for (const signal of SIGNAL_NAMES) {
    const mine = events.filter((e) => e.signal === signal).sort((a, b) => a.date.localeCompare(b.date));
    const bt = backtests.find((b) => b.signal === signal);
    if (mine.length === 0 && !bt) continue;
    const last = mine.at(-1);
    const t = last ? rowOf.get(last.date) : undefined;
    signals.push({
      signal,
      dates: mine.map((e) => e.date),
      latest:
        last && t !== undefined
          ? {
              date: last.date,
              value: last.value,
              after: VERDICT_HORIZONS.map((h) => ({ horizon: h, return: after(levels, t, h) })),
            }
          : undefined,
      average: VERDICT_HORIZONS.map((h) => {
        const f = bt?.forwardReturns.find((x) => x.horizon === h);
        return { horizon: h, mean: f?.mean ?? null, hitRate: f?.hitRate ?? null, count: f?.count ?? 0 };
      }),
    });
  }
  return {
    fired: events.length > 0,
    range: series.length ? { start: series[0]!.date, end: series.at(-1)!.date } : null,
    signals,
  };
}
