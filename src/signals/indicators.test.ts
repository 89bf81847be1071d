import { describe, expect, it } from 'vitest';
import {
  cumulativeSum,
  emaAlphaForPeriod,
  emaSeries,
  emaStep,
  ratioOrNull,
  rollingSum,
} from './indicators.ts';

describe('emaAlphaForPeriod', () => {
  it.each([
    [10, 2 / 11],
    [19, 0.1],
    [39, 0.05],
    [1, 1],
  ])('period %i → alpha %f', (period, alpha) => {
    expect(emaAlphaForPeriod(period)).toBeCloseTo(alpha, 15);
  });
  it.each([0, -1, 2.5])('rejects period %f', (p) => {
    expect(() => emaAlphaForPeriod(p)).toThrow(/positive integer/);
  });
});

describe('emaStep', () => {
  it('moves alpha of the way towards the value', () => {
    expect(emaStep(10, 20, 0.1)).toBeCloseTo(11, 15);
    expect(emaStep(0.75, 0.25, 2 / 11)).toBeCloseTo(0.75 - 1 / 11, 15);
  });
});

describe('emaSeries', () => {
  it.each<{ name: string; values: (number | null)[]; alpha: number; want: (number | null)[] }>([
    { name: 'seeds with the first value', values: [10, 20, 30], alpha: 0.1, want: [10, 11, 12.9] },
    {
      name: 'null before the first value, carries over null gaps',
      values: [null, 0.5, null, 1.0],
      alpha: 2 / 11,
      // 0.5 + (2/11)·0.5 = 0.5909…  (alpha 0.2 would give 0.6)
      want: [null, 0.5, 0.5, 0.5 + 1 / 11],
    },
    { name: 'all null stays null', values: [null, null], alpha: 0.5, want: [null, null] },
    { name: 'empty', values: [], alpha: 0.5, want: [] },
    { name: 'alpha 1 tracks the value', values: [3, null, 7], alpha: 1, want: [3, 3, 7] },
  ])('$name', ({ values, alpha, want }) => {
    const got = emaSeries(values, alpha);
    expect(got).toHaveLength(want.length);
    got.forEach((g, i) => {
      if (want[i] === null) expect(g).toBeNull();
      else expect(g).toBeCloseTo(want[i]!, 12);
    });
  });
  it.each([0, -0.1, 1.5, Number.NaN])('rejects alpha %f', (a) => {
    expect(() => emaSeries([1], a)).toThrow(/alpha/);
  });
});

describe('rollingSum', () => {
  it.each<{ values: number[]; window: number; want: (number | null)[] }>([
    { values: [1, 2, 3, 4, 5], window: 3, want: [null, null, 6, 9, 12] },
    { values: [1, 2, 3], window: 1, want: [1, 2, 3] },
    { values: [1, 2], window: 3, want: [null, null] },
    { values: [], window: 2, want: [] },
  ])('window $window over $values', ({ values, window, want }) => {
    expect(rollingSum(values, window)).toEqual(want);
  });
  it('rejects a non-positive window', () => {
    expect(() => rollingSum([1], 0)).toThrow(/positive integer/);
  });
});

describe('cumulativeSum / ratioOrNull', () => {
  it('accumulates', () => {
    expect(cumulativeSum([2, 0, -2, 5])).toEqual([2, 2, 0, 5]);
  });
  it('returns null on a zero denominator', () => {
    expect(ratioOrNull(3, 4)).toBe(0.75);
    expect(ratioOrNull(0, 0)).toBeNull();
    expect(ratioOrNull(3, 0)).toBeNull();
  });
});
