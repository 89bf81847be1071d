import { describe, expect, it } from 'vitest';
import { runWarnings } from './warnings.ts';

describe('runWarnings', () => {
  it('says a range ending after today holds future-dated bars (it comes from the data: the flags cannot ask for one)', () => {
    const w = runWarnings({
      range: { start: '2020-01-01', end: '2027-01-06' },
      tradingDays: 600,
      today: '2026-12-02',
    });
    expect(w).toEqual([
      "the data holds dates after today (2026-12-02), up to 2027-01-06: no close can be dated in the future; check the source's dates",
    ]);
  });

  it('says nothing of a range up to today with a year of data', () => {
    expect(
      runWarnings({
        range: { start: '2020-01-01', end: '2026-12-02' },
        tradingDays: 600,
        today: '2026-12-02',
      }),
    ).toEqual([]);
  });
});
