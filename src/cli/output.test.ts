import { describe, expect, it } from 'vitest';
import type { SignalBacktest } from '../domain/backtest.ts';
import { formatBacktests } from './output.ts';

const backtest = (signal: string, cagr: number, buyHold: number) =>
  ({
    signal,
    firings: 3,
    trades: [{}, {}],
    strategy: { cagr, sharpe: 1.5, maxDrawdown: 0.25 },
    buyHold: { cagr: buyHold },
  }) as unknown as SignalBacktest;

describe('formatBacktests', () => {
  it('keeps every cell in its column, however wide a number gets (a CAGR annualised from a few days)', () => {
    const text = formatBacktests(
      [backtest('zweig_breadth_thrust', 5.8645, 1583660.0282), backtest('whaley_breadth_thrust', 0, 0.1)],
      false,
    );
    const lines = text.split('\n');
    expect(lines[1]!.split(/\s+/)).toEqual([
      'zweig_breadth_thrust',
      '3',
      '2',
      '586.45%',
      '158366002.82%',
      '1.50',
      '25.00%',
    ]);
    // Cells end where their header ends: right-aligned under it.
    const end = (line: string, cell: string) => line.indexOf(cell) + cell.length;
    for (const [c, h] of [
      ['158366002.82%', 'B&H CAGR'],
      ['10.00%', 'B&H CAGR'],
    ] as const) {
      const row = lines.find((l) => l.includes(c))!;
      expect(end(row, c)).toBe(end(lines[0]!, h));
    }
  });
});
