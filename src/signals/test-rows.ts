/** Test helpers: tiny breadth rows with every field defaulted. Not shipped code paths. */
import type { BreadthDay, BreadthSeriesRow } from '../domain/breadth.ts';

/** ISO date of trading day `i`, skipping weekends so there are calendar gaps between some rows. */
export function tradingDate(i: number): string {
  const start = Date.UTC(2024, 0, 1); // a Monday
  const week = Math.floor(i / 5);
  return new Date(start + (week * 7 + (i % 5)) * 86_400_000).toISOString().slice(0, 10);
}

export function day(i: number, fields: Partial<BreadthDay> = {}): BreadthDay {
  return {
    date: tradingDate(i),
    advancers: 0,
    decliners: 0,
    unchanged: 0,
    issues: 0,
    aboveSma50: 0,
    withSma50: 0,
    aboveSma200: 0,
    withSma200: 0,
    newHighs: 0,
    newLows: 0,
    ewReturn: null,
    ...fields,
  };
}

export function seriesRow(i: number, fields: Partial<BreadthSeriesRow> = {}): BreadthSeriesRow {
  return {
    ...day(i),
    adRatio: null,
    zweigEma: null,
    adLine: 0,
    mcclellan: null,
    fracAboveSma50: null,
    fracAboveSma200: null,
    ...fields,
  };
}

/** Rows with only advancers/decliners set (issues = A + D), one per [A, D] pair. */
export function adRows(pairs: readonly (readonly [number, number])[]): BreadthSeriesRow[] {
  return pairs.map(([a, d], i) => seriesRow(i, { advancers: a, decliners: d, issues: a + d }));
}

/** Rows with only the Zweig EMA set. */
export function emaRows(emas: readonly (number | null)[]): BreadthSeriesRow[] {
  return emas.map((e, i) => seriesRow(i, { zweigEma: e }));
}
