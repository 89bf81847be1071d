import { describe, expect, it } from 'vitest';
import type { SignalBacktest } from '../domain/backtest.ts';
import { emaRows } from '../signals/test-rows.ts';
import { equityMermaid, MAX_POINTS, thinIndices, zweigMermaid } from './mermaid-charts.ts';

const block = (md: string) => md.split('```mermaid\n')[1]!.split('\n```')[0]!;
const series = (md: string, kind: string) =>
  block(md)
    .split('\n')
    .filter((l) => l.trim().startsWith(`${kind} [`))
    .map((l) => JSON.parse(l.trim().slice(kind.length + 1)) as number[]);

/** An EMA swinging between 0.35 and 0.65 (null on the first day, like a series before its first ratio). */
const breadthRows = (n: number) =>
  emaRows(Array.from({ length: n }, (_, i) => (i === 0 ? null : 0.5 + 0.15 * Math.sin(i / 17))));

describe('thinIndices', () => {
  it.each([
    [5, 10, [], [0, 1, 2, 3, 4]],
    [10, 4, [], [0, 3, 6, 9]],
    [10, 4, [5], [0, 3, 5, 6, 9]],
    [11, 4, [], [0, 3, 6, 9, 10]],
  ])('n=%i max=%i keep=%j → %j', (n, max, keep, expected) => {
    expect(thinIndices(n, max, new Set(keep))).toEqual(expected);
  });
});

describe('zweigMermaid', () => {
  it('plots the EMA, the 0.40 / 0.615 lines and a spike on each firing day, firing days kept when thinning', () => {
    const rows = breadthRows(1000);
    const events = [
      { date: rows[333]!.date, signal: 'zweig_breadth_thrust' as const, value: 0.62 },
      { date: rows[334]!.date, signal: 'deemer_breadth_thrust' as const, value: 2 },
    ];
    const md = zweigMermaid(rows, events)!;
    expect(block(md)).toMatch(/^%%\{init: .*plotColorPalette.*\}%%\nxychart-beta\n/);
    expect(md).toContain('1 thrust');
    const [spikes, ema, oversold, thrust] = series(md, 'line');
    expect(ema!.length).toBeLessThanOrEqual(MAX_POINTS + 1);
    expect(new Set(oversold)).toEqual(new Set([0.4]));
    expect(new Set(thrust)).toEqual(new Set([0.615]));
    const up = spikes!.flatMap((v, i) => (v > Math.min(...spikes!) ? [i] : []));
    expect(up).toHaveLength(1);
    expect(spikes![up[0]!]).toBeCloseTo(rows[333]!.zweigEma!, 3);
    expect(md).toContain(`Red spikes: firing days (${rows[333]!.date})`);
  });

  it('says when nothing fired, and gives no chart without two EMA days', () => {
    expect(zweigMermaid(breadthRows(50), [])).toContain('(none in this range)');
    expect(zweigMermaid(breadthRows(1), [])).toBeUndefined();
  });
});

describe('equityMermaid', () => {
  it('two lines, strategy then buy-and-hold, starting at 1', () => {
    const equity = Array.from({ length: 300 }, (_, i) => ({
      date: `2024-${String(1 + Math.floor(i / 28)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
      strategy: 1 + i / 1000,
      buyHold: 1 + i / 500,
      strategyDrawdown: 0,
      buyHoldDrawdown: 0,
    }));
    const bt = {
      signal: 'zweig_breadth_thrust',
      holdDays: 21,
      trades: [],
      equity,
    } as unknown as SignalBacktest;
    const md = equityMermaid(bt)!;
    const [strategy, buyHold] = series(md, 'line');
    expect(strategy![0]).toBe(1);
    expect(buyHold!.at(-1)).toBeCloseTo(1 + 299 / 500, 4);
    expect(block(md)).toMatch(/y-axis "growth of 1" 1\.00 --> 1\.60/);
  });
});
