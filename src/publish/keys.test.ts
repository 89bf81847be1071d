import { describe, expect, it } from 'vitest';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent } from '../domain/signal.ts';
import { breadthDoc, breadthKey, buildMessages, type PublishContext, signalDoc, signalKey } from './keys.ts';

const ctx: PublishContext = { symbolList: 'demo_small', synthetic: true, engine: 'duckdb', source: 'sample' };
const row: BreadthSeriesRow = {
  date: '2020-04-08',
  advancers: 30,
  decliners: 10,
  unchanged: 2,
  issues: 42,
  aboveSma50: 20,
  withSma50: 40,
  aboveSma200: 15,
  withSma200: 38,
  newHighs: 3,
  newLows: 1,
  ewReturn: 0.012,
  adRatio: 0.75,
  zweigEma: 0.62,
  adLine: 120,
  mcclellan: 14.5,
  fracAboveSma50: 0.5,
  fracAboveSma200: null,
};
const ev: SignalEvent = { date: '2020-04-08', signal: 'zweig_breadth_thrust', value: 0.6213 };

describe('keys', () => {
  it('are scoped by list, deterministic and distinct per signal/date', () => {
    expect(signalKey('demo_small', ev)).toBe('demo_small:zweig_breadth_thrust:2020-04-08');
    expect(signalKey('demo_large', ev)).not.toBe(signalKey('demo_small', ev));
    expect(signalKey('demo_small', { ...ev, signal: 'whaley_breadth_thrust' })).not.toBe(
      signalKey('demo_small', ev),
    );
    expect(breadthKey('demo_small', row)).toBe('demo_small:2020-04-08');
  });

  it('docs are snake_case with the run facts', () => {
    expect(signalDoc(ev, ctx)).toEqual({
      symbol_list: 'demo_small',
      signal: 'zweig_breadth_thrust',
      date: '2020-04-08',
      value: 0.6213,
      synthetic: true,
      engine: 'duckdb',
      source: 'sample',
    });
    const d = breadthDoc({ ...row, mcclellan: Number.NaN }, ctx);
    expect(d.above_sma50).toBe(20);
    expect(d.zweig_ema).toBe(0.62);
    expect(d.frac_above_sma200).toBeNull();
    expect(d.mcclellan).toBeNull();
    expect(Object.keys(d).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it('buildMessages collapses duplicate events and keeps one message per day', () => {
    const m = buildMessages(
      {
        events: [ev, ev, { ...ev, date: '2020-04-09' }],
        series: [row, { ...row, date: '2020-04-09' }],
        context: ctx,
      },
      { signals: 's', breadth: 'b' },
    );
    expect(m.signals.map((x) => x.key)).toEqual([
      'demo_small:zweig_breadth_thrust:2020-04-08',
      'demo_small:zweig_breadth_thrust:2020-04-09',
    ]);
    expect(m.breadth).toHaveLength(2);
    expect(JSON.parse(m.signals[0]!.value).value).toBe(0.6213);
    expect(m.breadth.every((x) => x.topic === 'b')).toBe(true);
    expect(() =>
      buildMessages(
        { events: [], series: [], context: { ...ctx, symbolList: '' } },
        { signals: 's', breadth: 'b' },
      ),
    ).toThrow('symbol list');
  });
});
