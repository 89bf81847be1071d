import { describe, expect, it } from 'vitest';
import { thrustVerdict } from './verdict.ts';

// Index: +1% a day, so level_t = 1.01^t and the return h days after any firing is 1.01^h − 1.
const series = Array.from({ length: 30 }, (_, t) => ({
  date: `2024-01-${String(t + 1).padStart(2, '0')}`,
  ewReturn: t === 0 ? null : 0.01,
}));

describe('thrustVerdict', () => {
  it('names the firings per signal and what the index did after the latest, unknown past the end', () => {
    const v = thrustVerdict(
      series,
      [
        { date: '2024-01-20', signal: 'zweig_breadth_thrust', value: 0.62 },
        { date: '2024-01-03', signal: 'zweig_breadth_thrust', value: 0.63 },
      ],
      [],
    );
    expect(v.fired).toBe(true);
    expect(v.range).toEqual({ start: '2024-01-01', end: '2024-01-30' });
    expect(v.signals.map((s) => s.signal)).toEqual(['zweig_breadth_thrust']);
    const z = v.signals[0]!;
    expect(z.dates).toEqual(['2024-01-03', '2024-01-20']);
    expect(z.latest!.date).toBe('2024-01-20');
    expect(z.latest!.after[0]).toEqual({ horizon: 5, return: expect.closeTo(1.01 ** 5 - 1, 12) });
    // Row 19 + 21 is past the 30 rows.
    expect(z.latest!.after.slice(1).map((a) => a.return)).toEqual([null, null]);
  });

  it('a signal that was backtested but never fired is listed with no dates; no firings at all is "not fired"', () => {
    const v = thrustVerdict(series, [], [{ signal: 'deemer_breadth_thrust', forwardReturns: [] }]);
    expect(v.fired).toBe(false);
    expect(v.signals).toEqual([
      {
        signal: 'deemer_breadth_thrust',
        dates: [],
        latest: undefined,
        average: [5, 21, 63].map((h) => ({ horizon: h, mean: null, hitRate: null, count: 0 })),
      },
    ]);
  });
});
