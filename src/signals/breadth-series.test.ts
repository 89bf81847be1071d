import { describe, expect, it } from 'vitest';
import { BfError } from '../util/errors.ts';
import { deriveBreadthSeries } from './breadth-series.ts';
import { day } from './test-rows.ts';

// Hand-computed: alpha 2/11 for Zweig, 0.10 / 0.05 for McClellan.
//  t  A  D  ratio  zweigEma                     A−D  fast   slow   mcclellan  adLine
//  0  0  0  null   null                         (0)  null   null   null       0
//  1  3  1  0.75   0.75 (seed)                   2   2      2      0          2
//  2  0  0  null   0.75 (carried)               (0)  2      2      0          2
//  3  1  3  0.25   0.75−(2/11)·0.5  = 29/44     −2   1.6    1.8    −0.2       0
//  4  2  2  0.5    29/44−(2/11)(7/44)=305/484    0   1.44   1.71   −0.27      0
//  5  4  0  1      305/484+(2/11)(179/484)      4   1.696  1.8245 −0.1285    4
const days = [
  day(0, { issues: 3, unchanged: 0 }), // first bars only: no A/D
  day(1, { advancers: 3, decliners: 1, issues: 4 }), // late listing: issues rise
  day(2, { unchanged: 4, issues: 4, aboveSma50: 2, withSma50: 4 }),
  day(3, {
    advancers: 1,
    decliners: 3,
    issues: 4,
    aboveSma50: 1,
    withSma50: 4,
    aboveSma200: 1,
    withSma200: 2,
  }),
  day(4, { advancers: 2, decliners: 2, issues: 4 }),
  day(5, { advancers: 4, decliners: 0, issues: 4 }), // delisting elsewhere would lower issues; counts drive the maths
];

describe('deriveBreadthSeries', () => {
  const s = deriveBreadthSeries(days);
  const col = <K extends keyof (typeof s)[number]>(k: K) => s.map((r) => r[k]);

  it('adRatio = A/(A+D), null when A+D = 0', () => {
    expect(col('adRatio')).toEqual([null, 0.75, null, 0.25, 0.5, 1]);
  });

  it('zweigEma: alpha 2/11, seeded with the first ratio, carried over A+D = 0 days', () => {
    const want = [null, 0.75, 0.75, 29 / 44, 305 / 484, 305 / 484 + (2 / 11) * (179 / 484)];
    const got = col('zweigEma');
    expect(got[0]).toBeNull();
    for (let t = 1; t < want.length; t++) expect(got[t]).toBeCloseTo(want[t]!, 12);
  });

  it('adLine is the cumulative sum of A − D', () => {
    expect(col('adLine')).toEqual([0, 2, 2, 0, 0, 4]);
  });

  it('mcclellan = EMA(0.10) − EMA(0.05) of A − D, seeded on the first A+D > 0 day', () => {
    const want = [null, 0, 0, -0.2, -0.27, 1.696 - 1.8245];
    const got = col('mcclellan');
    expect(got[0]).toBeNull();
    for (let t = 1; t < want.length; t++) expect(got[t]).toBeCloseTo(want[t]!, 12);
  });

  it('fracAboveSma50/200, null when no symbol has the SMA yet', () => {
    expect(col('fracAboveSma50')).toEqual([null, null, 0.5, 0.25, null, null]);
    expect(col('fracAboveSma200')).toEqual([null, null, null, 0.5, null, null]);
  });

  it('keeps every input field', () => {
    s.forEach((row, t) => {
      expect(row).toMatchObject(days[t]!);
    });
  });

  it('handles an empty table', () => {
    expect(deriveBreadthSeries([])).toEqual([]);
  });

  it.each([
    ['duplicate dates', [day(0), day(0)]],
    ['unsorted dates', [day(1), day(0)]],
  ])('rejects %s', (_name, bad) => {
    expect(() => deriveBreadthSeries(bad)).toThrow(BfError);
    expect(() => deriveBreadthSeries(bad)).toThrow(/not sorted by unique date/);
  });
});
