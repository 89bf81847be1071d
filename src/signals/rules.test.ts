import { describe, expect, it } from 'vitest';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import { SIGNAL_NAMES } from '../domain/signal.ts';
import { deriveBreadthSeries } from './breadth-series.ts';
import {
  DEEMER,
  deemerBreadthThrust,
  deemerRatios,
  generateSignals,
  SIGNAL_RULES,
  upwardCrossings,
  WHALEY,
  whaleyBreadthThrust,
  whaleyRatios,
  ZWEIG,
  zweigBreadthThrust,
} from './rules.ts';
import { adRows, day, emaRows, seriesRow, tradingDate } from './test-rows.ts';

const firedAt = (events: { date: string }[]) => events.map((e) => e.date);
const dates = (...idx: number[]) => idx.map(tradingDate);
const repeat = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);

describe('thresholds', () => {
  it('are the published values', () => {
    expect(ZWEIG).toEqual({ emaAlpha: 2 / 11, thrustAbove: 0.615, oversoldBelow: 0.4, lookbackDays: 10 });
    expect(DEEMER).toEqual({ windowDays: 10, thrustAbove: 1.97 });
    expect(WHALEY).toEqual({ windowDays: 5, thrustAbove: 0.7366 });
  });
});

describe('upwardCrossings', () => {
  it.each<{ name: string; values: (number | null)[]; want: number[] }>([
    { name: 'strict cross', values: [0.5, 1.5], want: [1] },
    { name: 'equality on day t does not fire', values: [0.5, 1], want: [] },
    { name: 'previous equal to threshold may cross', values: [1, 1.01], want: [1] },
    { name: 'staying above fires once', values: [0.5, 2, 3, 4], want: [1] },
    { name: 'falls back and recrosses', values: [0.5, 2, 0.9, 2], want: [1, 3] },
    { name: 'undefined previous never fires', values: [null, 2, null, 0.5, null, 2], want: [] },
    { name: 'first day never fires', values: [2], want: [] },
  ])('$name', ({ values, want }) => {
    expect(upwardCrossings(values, 1)).toEqual(want);
  });
});

describe('zweig_breadth_thrust', () => {
  it.each<{ name: string; emas: (number | null)[]; want: number[] }>([
    { name: 'oversold then thrust', emas: [0.35, 0.5, 0.62], want: [2] },
    { name: 'exactly 0.615 does not fire', emas: [0.35, 0.5, 0.615], want: [] },
    { name: 'previous exactly 0.615 then above fires', emas: [0.35, 0.615, 0.6151], want: [2] },
    { name: 'exactly 0.40 is not oversold', emas: [0.4, 0.5, 0.62], want: [] },
    {
      name: 'oversold 10 days ago (t−10) counts',
      emas: [0.5, 0.39, ...repeat(9, 0.5), 0.62],
      want: [11],
    },
    {
      name: 'oversold 11 days ago (t−11) does not count',
      emas: [0.39, ...repeat(10, 0.5), 0.62],
      want: [],
    },
    { name: 'oversold on day t itself is impossible; t−1 counts', emas: [0.5, 0.39, 0.62], want: [2] },
    { name: 'no oversold reading', emas: [0.5, 0.6, 0.7], want: [] },
    { name: 'stays above: one firing', emas: [0.3, 0.62, 0.63, 0.64], want: [1] },
    { name: 'recross within the window fires again', emas: [0.3, 0.62, 0.6, 0.63], want: [1, 3] },
    { name: 'null EMAs before the first ratio', emas: [null, null, 0.62], want: [] },
    { name: 'first day', emas: [0.7], want: [] },
    { name: 'empty', emas: [], want: [] },
  ])('$name', ({ emas, want }) => {
    const events = zweigBreadthThrust(emaRows(emas));
    expect(firedAt(events)).toEqual(dates(...want));
    for (const e of events) expect(e.signal).toBe('zweig_breadth_thrust');
  });

  it('value is EMA_t', () => {
    expect(zweigBreadthThrust(emaRows([0.3, 0.7]))).toEqual([
      { date: tradingDate(1), signal: 'zweig_breadth_thrust', value: 0.7 },
    ]);
  });

  it('end to end from counts: ratio 0.3 then 1.0 days fire on the third 1.0 day (alpha 2/11)', () => {
    // EMA_k = 1 − 0.7·(9/11)^k: k=2 → 0.5314, k=3 → 0.6166 (alpha 0.2 would give 0.6416).
    const days = [
      day(0, { issues: 10 }), // first bars, A+D = 0
      day(1, { advancers: 3, decliners: 7, issues: 10 }),
      day(2, { unchanged: 10, issues: 10 }), // A+D = 0: EMA carried at 0.3, still a trading day
      ...[3, 4, 5, 6].map((i) => day(i, { advancers: 10, issues: 10 })),
    ];
    const events = zweigBreadthThrust(deriveBreadthSeries(days));
    expect(firedAt(events)).toEqual(dates(5));
    expect(events[0]!.value).toBeCloseTo(1 - 0.7 * (9 / 11) ** 3, 12);
  });
});

describe('deemer_breadth_thrust', () => {
  it('10-day ΣA/ΣD, null until a full window', () => {
    const r = deemerRatios(adRows([...repeat(9, [1, 1] as const), [1, 1], [20, 1]]));
    expect(r.slice(0, 9)).toEqual(repeat(9, null));
    // t=10 drops day 0: ΣA = 9 + 20 = 29, ΣD = 10 (window 11 would give 30/11, window 9 28/9)
    expect(r.slice(9)).toEqual([1, 2.9]);
  });

  it('fires on the crossing with value = ratio_t', () => {
    const events = deemerBreadthThrust(adRows([...repeat(10, [1, 1] as const), [20, 1]]));
    expect(events).toEqual([{ date: tradingDate(10), signal: 'deemer_breadth_thrust', value: 2.9 }]);
  });

  it('exactly 1.97 does not fire; from 1.97 upward does', () => {
    // t=10: ΣA = 90 + 107 = 197, ΣD = 100 → 1.97; t=11: ΣA = 197 − 10 + 20 = 207 → 2.07
    const rows = adRows([...repeat(10, [10, 10] as const), [107, 10], [20, 10]]);
    expect(deemerRatios(rows).slice(9)).toEqual([1, 1.97, 2.07]);
    expect(firedAt(deemerBreadthThrust(rows))).toEqual(dates(11));
  });

  it('a first full window already above 1.97 does not fire (no defined previous ratio)', () => {
    expect(deemerBreadthThrust(adRows(repeat(12, [5, 1] as const)))).toEqual([]);
  });

  it('ΣD = 0 makes the ratio undefined; the day after cannot fire either', () => {
    const rows = adRows([...repeat(11, [5, 0] as const), [5, 1], [5, 0]]);
    expect(deemerRatios(rows).slice(9)).toEqual([null, null, 50, 50]);
    expect(deemerBreadthThrust(rows)).toEqual([]);
  });

  it('windows count rows, not calendar days (dates with weekend gaps)', () => {
    // tradingDate skips weekends, so rows 0 and 10 are 14 calendar days apart; the window is still 10 rows.
    const rows = adRows([...repeat(10, [1, 1] as const), [20, 1]]);
    expect(rows[10]!.date).toBe('2024-01-15');
    expect(deemerRatios(rows)[10]).toBe(2.9);
  });

  it('issues rising (late listing) or falling (delisting) does not change anything by itself', () => {
    const base = adRows([...repeat(10, [1, 1] as const), [20, 1]]);
    const varied = base.map((r, t) => ({ ...r, issues: t < 5 ? 2 + t : 20 - t, unchanged: t }));
    expect(deemerBreadthThrust(varied)).toEqual(deemerBreadthThrust(base));
    expect(whaleyBreadthThrust(varied)).toEqual(whaleyBreadthThrust(base));
  });
});

describe('whaley_breadth_thrust', () => {
  it('5-day ΣA/(ΣA+ΣD), fires on the crossing', () => {
    const rows = adRows([...repeat(5, [1, 1] as const), [20, 0]]);
    // t=5: ΣA = 4 + 20 = 24, ΣD = 4 → 24/28 (window 6 would give 25/30, window 4 23/26)
    expect(whaleyRatios(rows)).toEqual([null, null, null, null, 0.5, 24 / 28]);
    expect(whaleyBreadthThrust(rows)).toEqual([
      { date: tradingDate(5), signal: 'whaley_breadth_thrust', value: 24 / 28 },
    ]);
  });

  it('exactly 0.7366 does not fire; from 0.7366 upward does', () => {
    // t=5: ΣA = 7366, ΣD = 2000 + 634 → 0.7366; t=6: ΣA = 7466, ΣD = 2134 → 0.77770…
    const rows = adRows([...repeat(5, [0, 500] as const), [7366, 634], [100, 0]]);
    expect(whaleyRatios(rows).slice(4)).toEqual([0, 0.7366, 7466 / 9600]);
    expect(firedAt(whaleyBreadthThrust(rows))).toEqual(dates(6));
  });

  it('ΣA + ΣD = 0 → undefined → no firing, and not on the next day either', () => {
    const rows = adRows([...repeat(6, [0, 0] as const), [5, 0], [5, 0]]);
    expect(whaleyRatios(rows).slice(4)).toEqual([null, null, 1, 1]);
    expect(whaleyBreadthThrust(rows)).toEqual([]);
  });

  it('first full window above the threshold does not fire', () => {
    expect(whaleyBreadthThrust(adRows(repeat(7, [9, 1] as const)))).toEqual([]);
  });
});

describe('SIGNAL_RULES / generateSignals', () => {
  // Deemer and Whaley fire on row 10 from counts; the Zweig EMA is set directly to fire on row 11.
  const series: BreadthSeriesRow[] = adRows([...repeat(10, [1, 1] as const), [20, 1], [1, 1]]).map((r, t) =>
    seriesRow(t, { ...r, zweigEma: t === 1 ? 0.3 : t === 11 ? 0.62 : 0.5 }),
  );

  it('has one rule per signal name, each with a description naming its threshold', () => {
    expect(Object.keys(SIGNAL_RULES).sort()).toEqual([...SIGNAL_NAMES].sort());
    for (const name of SIGNAL_NAMES) {
      expect(SIGNAL_RULES[name].name).toBe(name);
      expect(SIGNAL_RULES[name].description.length).toBeGreaterThan(20);
    }
    expect(SIGNAL_RULES.zweig_breadth_thrust.description).toContain('0.615');
    expect(SIGNAL_RULES.deemer_breadth_thrust.description).toContain('1.97');
    expect(SIGNAL_RULES.whaley_breadth_thrust.description).toContain('0.7366');
  });

  it('runs every rule by default, sorted by date then signal name', () => {
    const events = generateSignals(series);
    expect(events.map((e) => [e.date, e.signal])).toEqual([
      [tradingDate(10), 'deemer_breadth_thrust'],
      [tradingDate(10), 'whaley_breadth_thrust'],
      [tradingDate(11), 'zweig_breadth_thrust'],
    ]);
  });

  it('orders firings on the same date by signal name, whatever order the rules run in', () => {
    // Zweig fires on row 10 too. The rules run Zweig first (SIGNAL_NAMES order), so a sort by date alone
    // (the surviving mutant) would list Zweig before Deemer; by name it comes last.
    const sameDay = series.map((r, t) => ({ ...r, zweigEma: t === 1 ? 0.3 : t === 10 ? 0.62 : 0.5 }));
    expect(SIGNAL_NAMES[0]).toBe('zweig_breadth_thrust');
    expect(generateSignals(sameDay).map((e) => [e.date, e.signal])).toEqual([
      [tradingDate(10), 'deemer_breadth_thrust'],
      [tradingDate(10), 'whaley_breadth_thrust'],
      [tradingDate(10), 'zweig_breadth_thrust'],
    ]);
    expect(
      generateSignals(sameDay, ['zweig_breadth_thrust', 'whaley_breadth_thrust']).map((e) => e.signal),
    ).toEqual(['whaley_breadth_thrust', 'zweig_breadth_thrust']);
  });

  it('runs only the named rules, once each', () => {
    expect(
      generateSignals(series, ['whaley_breadth_thrust', 'whaley_breadth_thrust']).map((e) => e.signal),
    ).toEqual(['whaley_breadth_thrust']);
    expect(generateSignals(series, [])).toEqual([]);
  });
});
