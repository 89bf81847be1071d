import { describe, expect, it } from 'vitest';
import {
  annualisedVolatility,
  cagr,
  downsideDeviation,
  drawdowns,
  equityCurve,
  maxDrawdown,
  mean,
  median,
  sampleStd,
  sharpeRatio,
  sortinoRatio,
  TRADING_DAYS_PER_YEAR,
  totalReturn,
} from './metrics.ts';

const Y = Math.sqrt(252);

describe('metrics on returns [0.1, −0.05, 0.02]', () => {
  const r = [0.1, -0.05, 0.02];
  // mean = 0.07/3; deviations 0.07667, −0.07333, −0.00333; Σ² = 0.0112667; /(n−1) → sd = 0.0750555
  // (population sd would be 0.0612826). Downside: √(0.05²/3) = 0.0288675.
  const sd = Math.sqrt((0.23 ** 2 + 0.22 ** 2 + 0.01 ** 2) / 9 / 2);
  it.each<[string, number | null, number]>([
    ['totalReturn = 1.1·0.95·1.02 − 1', totalReturn(r), 0.0659],
    ['cagr = 1.0659^(252/3) − 1', cagr(r), 1.0659 ** 84 - 1],
    ['mean', mean(r), 0.07 / 3],
    ['sample std', sampleStd(r), sd],
    ['annualised volatility', annualisedVolatility(r), sd * Y],
    ['sharpe', sharpeRatio(r), (0.07 / 3 / sd) * Y],
    ['downside deviation over all days', downsideDeviation(r), Math.sqrt(0.0025 / 3)],
    ['sortino', sortinoRatio(r), (0.07 / 3 / Math.sqrt(0.0025 / 3)) * Y],
    ['max drawdown (positive fraction)', maxDrawdown(r), 0.05],
  ])('%s', (_name, got, want) => {
    expect(got).not.toBeNull();
    expect(got!).toBeCloseTo(want, 10);
  });
  it('pins a few literal values', () => {
    expect(sampleStd(r)!).toBeCloseTo(0.0750555, 6);
    expect(sharpeRatio(r)!).toBeCloseTo(4.93508, 4);
    expect(sortinoRatio(r)!).toBeCloseTo(12.83121, 4);
  });
  it('equity curve and drawdowns', () => {
    const eq = equityCurve(r);
    [1, 1.1, 1.045, 1.0659].forEach((v, i) => {
      expect(eq[i]).toBeCloseTo(v, 12);
    });
    const dd = drawdowns(eq);
    [0, 0, 0.05, 1 - 1.0659 / 1.1].forEach((v, i) => {
      expect(dd[i]).toBeCloseTo(v, 12);
    });
  });
});

describe('drawdown picks the deepest trough from the running peak', () => {
  it('[+0.2, −0.25, +0.5, −0.1]: peak 1.2 → 0.9 is 25 %', () => {
    expect(maxDrawdown([0.2, -0.25, 0.5, -0.1])).toBeCloseTo(0.25, 12);
  });
  it('never falling is 0', () => {
    expect(maxDrawdown([0.01, 0, 0.02])).toBe(0);
  });
  it('a drawdown from the start (below 1) counts', () => {
    expect(maxDrawdown([-0.1, -0.1])).toBeCloseTo(0.19, 12);
  });
});

describe('undefined metrics are null', () => {
  it('no returns', () => {
    expect(cagr([])).toBeNull();
    expect(annualisedVolatility([])).toBeNull();
    expect(sharpeRatio([])).toBeNull();
    expect(sortinoRatio([])).toBeNull();
    expect(totalReturn([])).toBe(0);
    expect(maxDrawdown([])).toBe(0);
    expect(mean([])).toBeNull();
    expect(median([])).toBeNull();
  });
  it('one return: no sample std', () => {
    expect(annualisedVolatility([0.01])).toBeNull();
    expect(sharpeRatio([0.01])).toBeNull();
    expect(cagr([0.01])).toBeCloseTo(1.01 ** 252 - 1, 10);
  });
  it('constant returns: std exactly 0, volatility 0, sharpe null; no losing day → sortino null', () => {
    const r = [0.01, 0.01, 0.01];
    expect(sampleStd(r)).toBe(0);
    expect(annualisedVolatility(r)).toBe(0);
    expect(sharpeRatio(r)).toBeNull();
    expect(sortinoRatio(r)).toBeNull();
  });
  it('all-zero returns (never invested)', () => {
    const r = [0, 0, 0, 0];
    expect(cagr(r)).toBe(0);
    expect(sharpeRatio(r)).toBeNull();
    expect(sortinoRatio(r)).toBeNull();
    expect(maxDrawdown(r)).toBe(0);
  });
  it('total loss: cagr null', () => {
    expect(cagr([-1, 0.5])).toBeNull();
  });
});

describe('median', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[-0.05], -0.05],
  ])('%j → %f', (xs, want) => {
    expect(median(xs)).toBe(want);
  });
});

it('uses 252 trading days a year', () => {
  expect(TRADING_DAYS_PER_YEAR).toBe(252);
});
