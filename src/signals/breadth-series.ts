/**
 * Derives the ratios and recursions of the breadth table in TypeScript, so both engines share one
 * implementation. Input rows must be sorted by date, one per date.
 */
import type { BreadthDay, BreadthSeriesRow } from '../domain/breadth.ts';
import { BfError } from '../util/errors.ts';
import { cumulativeSum, emaSeries, ratioOrNull } from './indicators.ts';
import { MCCLELLAN, ZWEIG } from './rules.ts';

/** Throws unless dates strictly increase (sorted, no duplicates): every window below counts rows. */
export function assertSortedUniqueDates(days: readonly { date: string }[]): void {
  for (let t = 1; t < days.length; t++) {
    const prev = days[t - 1]!.date;
    const cur = days[t]!.date;
    if (!(prev < cur)) {
      throw new BfError(`breadth rows are not sorted by unique date: ${prev} is followed by ${cur}`, {
        hint: 'produce one breadth row per date, ordered by date (ORDER BY date in sql/breadth.sql)',
      });
    }
  }
}

export function deriveBreadthSeries(days: readonly BreadthDay[]): BreadthSeriesRow[] {
  assertSortedUniqueDates(days);
  const adRatio = days.map((d) => ratioOrNull(d.advancers, d.advancers + d.decliners));
  const zweigEma = emaSeries(adRatio, ZWEIG.emaAlpha);
  const adLine = cumulativeSum(days.map((d) => d.advancers - d.decliners));
  // McClellan EMAs: both are seeded with A−D of the first day that has A+D > 0 (null before it).
  // A day with A+D = 0 carries no breadth information (typically only first bars, e.g. the lake's first
  // date), so, as for the Zweig EMA, it leaves both EMAs unchanged rather than pulling them towards 0.
  const netAdvances = days.map((d) => (d.advancers + d.decliners === 0 ? null : d.advancers - d.decliners));
  const fast = emaSeries(netAdvances, MCCLELLAN.fastAlpha);
  const slow = emaSeries(netAdvances, MCCLELLAN.slowAlpha);
  return days.map((d, t) => ({
    ...d,
    adRatio: adRatio[t] ?? null,
    zweigEma: zweigEma[t] ?? null,
    adLine: adLine[t]!,
    mcclellan: fast[t] == null || slow[t] == null ? null : fast[t]! - slow[t]!,
    fracAboveSma50: ratioOrNull(d.aboveSma50, d.withSma50),
    fracAboveSma200: ratioOrNull(d.aboveSma200, d.withSma200),
  }));
}
