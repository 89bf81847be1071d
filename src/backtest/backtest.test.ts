import { describe, expect, it } from 'vitest';
import { FORWARD_HORIZONS } from '../domain/backtest.ts';
import type { SignalEvent, SignalName } from '../domain/signal.ts';
import { deriveBreadthSeries } from '../signals/breadth-series.ts';
import { generateSignals } from '../signals/rules.ts';
import { day, tradingDate } from '../signals/test-rows.ts';
import { BfError, UsageError } from '../util/errors.ts';
import { DEFAULT_HOLD_DAYS, indexLevels, runAllBacktests, runBacktest } from './backtest.ts';

// Row 0's return (0.5) happens before the window and is never earned.
//   t        0    1     2      3       4      5
//   ewReturn 0.5  0.1   −0.05  0.02    null   0.03
//   level    1    1.1   1.045  1.0659  1.0659 1.097877
const series = [0.5, 0.1, -0.05, 0.02, null, 0.03].map((r, t) => day(t, { ewReturn: r }));
const D = tradingDate;
const Z: SignalName = 'zweig_breadth_thrust';
const ev = (t: number, signal: SignalName = Z): SignalEvent => ({ date: D(t), signal, value: 1 });
const close = (got: number | null | undefined, want: number) => {
  expect(got).not.toBeNull();
  expect(got!).toBeCloseTo(want, 12);
};

describe('indexLevels', () => {
  it('level_0 = 1, compounds ewReturn, null counts as 0', () => {
    const lv = indexLevels(series);
    [1, 1.1, 1.045, 1.0659, 1.0659, 1.097877].forEach((v, t) => {
      close(lv[t], v);
    });
  });
});

describe('runBacktest: hold 2 days', () => {
  // Firing on 1 → invested rows 2, 3. Firing on 2 is inside that trade: ignored for trading.
  // Firing on 3 (the exit row) opens a new trade: rows 4, 5. Firing on 5 (last row): no trade.
  const events = [ev(1), ev(2), ev(3), ev(5), ev(1, 'deemer_breadth_thrust')];
  const bt = runBacktest(series, events, { signal: Z, holdDays: 2, horizons: [1, 2, 5] });

  it('counts firings of this signal only', () => {
    expect(bt.signal).toBe(Z);
    expect(bt.holdDays).toBe(2);
    expect(bt.firings).toBe(4);
  });

  it('trades: enter at the signal close, hold N rows, ignore firings while invested', () => {
    expect(bt.trades.map(({ return: _r, ...t }) => t)).toEqual([
      { signal: Z, entryDate: D(1), exitDate: D(3), days: 2 },
      { signal: Z, entryDate: D(3), exitDate: D(5), days: 2 },
    ]);
    close(bt.trades[0]!.return, 0.95 * 1.02 - 1);
    close(bt.trades[1]!.return, 0.03);
  });

  it('strategy metrics over rows 1…5: returns [0, −0.05, 0.02, 0, 0.03]', () => {
    const s = bt.strategy;
    close(s.totalReturn, 0.95 * 1.02 * 1.03 - 1);
    expect(s.exposure).toBe(4 / 5);
    expect(s.trades).toBe(2);
    close(s.maxDrawdown, 0.05);
    close(s.cagr, (0.95 * 1.02 * 1.03) ** (252 / 5) - 1);
  });

  it('buy-and-hold over the same dates: returns [0.1, −0.05, 0.02, 0, 0.03]', () => {
    const b = bt.buyHold;
    close(b.totalReturn, 0.097877);
    expect(b.exposure).toBe(1);
    expect(b.trades).toBe(1);
    close(b.maxDrawdown, 0.05);
    expect(b.cagr! / (1.097877 ** (252 / 5) - 1)).toBeCloseTo(1, 12);
  });

  it('forward returns: every firing counts, only when t+h exists', () => {
    const [h1, h2, h5] = bt.forwardReturns;
    // h=1: t=1 → 1.045/1.1−1 = −0.05; t=2 → 0.02; t=3 → 0; t=5 → none
    expect(h1).toMatchObject({ signal: Z, horizon: 1, count: 3 });
    close(h1!.mean, (-0.05 + 0.02 + 0) / 3);
    close(h1!.median, 0);
    close(h1!.hitRate, 1 / 3);
    // h=2: t=1 → 1.0659/1.1−1 = −0.031; t=2 → 0.02; t=3 → 0.03
    expect(h2!.count).toBe(3);
    close(h2!.mean, (-0.031 + 0.02 + 0.03) / 3);
    close(h2!.median, 0.02);
    close(h2!.hitRate, 2 / 3);
    expect(h5).toEqual({ signal: Z, horizon: 5, count: 0, mean: null, median: null, hitRate: null });
  });

  it('equity points per date with positive drawdowns', () => {
    expect(bt.equity.map((p) => p.date)).toEqual([0, 1, 2, 3, 4, 5].map(D));
    const strat = [1, 1, 0.95, 0.969, 0.969, 0.969 * 1.03];
    const bh = [1, 1.1, 1.045, 1.0659, 1.0659, 1.097877];
    bt.equity.forEach((p, t) => {
      close(p.strategy, strat[t]!);
      close(p.buyHold, bh[t]!);
    });
    close(bt.equity[2]!.strategyDrawdown, 0.05);
    close(bt.equity[3]!.buyHoldDrawdown, 1 - 1.0659 / 1.1);
    close(bt.equity[5]!.strategyDrawdown, 1 - 0.969 * 1.03); // peak stays at the starting 1
    close(bt.equity[5]!.buyHoldDrawdown, 1 - 1.097877 / 1.1); // still below the 1.1 peak
    expect(bt.equity[1]!.buyHoldDrawdown).toBe(0); // new high
  });
});

describe('runBacktest: conventions at the edges', () => {
  it('a trade reaching the end of the series is cut short', () => {
    const bt = runBacktest(series, [ev(4)], { signal: Z, holdDays: 21, horizons: [1] });
    expect(bt.trades).toMatchObject([{ signal: Z, entryDate: D(4), exitDate: D(5), days: 1 }]);
    close(bt.trades[0]!.return, 0.03);
    expect(bt.strategy.exposure).toBe(1 / 5);
  });

  it('a firing strictly inside a trade does not extend it (hold 3)', () => {
    const bt = runBacktest(series, [ev(1), ev(3)], { signal: Z, holdDays: 3, horizons: [] });
    expect(bt.trades.map((t) => [t.entryDate, t.exitDate])).toEqual([[D(1), D(4)]]);
    expect(bt.strategy.exposure).toBe(3 / 5);
  });

  it('no firings: flat strategy, null ratios, buy-and-hold unaffected', () => {
    const bt = runBacktest(series, [], { signal: Z });
    expect(bt.firings).toBe(0);
    expect(bt.trades).toEqual([]);
    expect(bt.strategy).toEqual({
      cagr: 0,
      volatility: 0,
      sharpe: null,
      sortino: null,
      maxDrawdown: 0,
      exposure: 0,
      trades: 0,
      totalReturn: 0,
    });
    close(bt.buyHold.totalReturn, 0.097877);
  });

  it('defaults: hold 21 days, FORWARD_HORIZONS', () => {
    const bt = runBacktest(series, [], { signal: Z });
    expect(DEFAULT_HOLD_DAYS).toBe(21);
    expect(bt.holdDays).toBe(21);
    expect(bt.forwardReturns.map((f) => f.horizon)).toEqual([...FORWARD_HORIZONS]);
  });

  it('empty and one-row series', () => {
    const empty = runBacktest([], [], { signal: Z, horizons: [1] });
    expect(empty.equity).toEqual([]);
    expect(empty.buyHold).toMatchObject({ cagr: null, exposure: 0, trades: 0, totalReturn: 0 });
    const one = runBacktest([day(0, { ewReturn: 0.1 })], [ev(0)], { signal: Z, horizons: [1] });
    expect(one.trades).toEqual([]);
    expect(one.equity).toEqual([
      { date: D(0), strategy: 1, buyHold: 1, strategyDrawdown: 0, buyHoldDrawdown: 0 },
    ]);
  });

  it('rejects a firing dated outside the series', () => {
    expect(() => runBacktest(series, [ev(9)], { signal: Z })).toThrow(BfError);
  });

  it.each([0, -3, 2.5])('rejects holdDays %f as a usage error', (holdDays) => {
    expect(() => runBacktest(series, [], { signal: Z, holdDays })).toThrow(UsageError);
  });

  it('rejects a non-positive horizon', () => {
    expect(() => runBacktest(series, [], { signal: Z, horizons: [5, 0] })).toThrow(/forward horizon/);
  });
});

describe('runAllBacktests', () => {
  it('one backtest per signal name, in SIGNAL_NAMES order, each with its own firings', () => {
    const events = [ev(1), ev(2, 'whaley_breadth_thrust'), ev(3, 'whaley_breadth_thrust')];
    const all = runAllBacktests(series, events, { holdDays: 1, horizons: [1] });
    expect(all.map((b) => [b.signal, b.firings, b.trades.length])).toEqual([
      ['zweig_breadth_thrust', 1, 1],
      ['deemer_breadth_thrust', 0, 0],
      ['whaley_breadth_thrust', 2, 2],
    ]);
    expect(all.every((b) => b.holdDays === 1)).toBe(true);
  });
});

describe('invariants on a longer generated series (signals → backtest)', () => {
  // Deterministic LCG; alternating 40-day weak/strong breadth regimes so every rule fires.
  let seed = 7;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const days = Array.from({ length: 400 }, (_, t) => {
    const strong = Math.floor(t / 40) % 2 === 1;
    const a = Math.floor(rnd() * (strong ? 160 : 50));
    const d = Math.floor(rnd() * 100);
    return day(t, { advancers: a, decliners: d, issues: a + d, ewReturn: (a - d) / (a + d + 1) / 100 });
  });
  const s = deriveBreadthSeries(days);
  const events = generateSignals(s);
  const all = runAllBacktests(s, events, { holdDays: 10 });

  it('every rule fires at least once on this series', () => {
    expect(all.map((b) => b.firings > 0)).toEqual([true, true, true]);
  });

  it.each([0, 1, 2])('backtest %i: equity end = 1 + totalReturn, trades compound to the strategy', (i) => {
    const b = all[i]!;
    const last = b.equity.at(-1)!;
    expect(last.strategy).toBeCloseTo(1 + b.strategy.totalReturn, 12);
    expect(last.buyHold).toBeCloseTo(1 + b.buyHold.totalReturn, 12);
    const compounded = b.trades.reduce((g, t) => g * (1 + t.return), 1);
    expect(compounded).toBeCloseTo(1 + b.strategy.totalReturn, 12);
    const held = b.trades.reduce((n, t) => n + t.days, 0);
    expect(b.strategy.exposure).toBeCloseTo(held / (s.length - 1), 12);
    expect(b.strategy.maxDrawdown).toBeCloseTo(Math.max(...b.equity.map((p) => p.strategyDrawdown)), 12);
    expect(b.trades.every((t) => t.days <= 10 && t.entryDate < t.exitDate)).toBe(true);
    // trades never overlap
    for (let k = 1; k < b.trades.length; k++) {
      expect(b.trades[k]!.entryDate >= b.trades[k - 1]!.exitDate).toBe(true);
    }
  });
});
