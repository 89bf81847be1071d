import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs } from './backoff.ts';

describe('backoffDelayMs', () => {
  it.each([
    [0, 0.5, 250],
    [1, 0.5, 500],
    [3, 0.5, 2_000],
    [10, 0.5, 5_000], // capped at 10 000 before jitter
    [2, 0, 0],
  ])('attempt %i with draw %f waits %i ms (base 500, cap 10 000)', (attempt, draw, expected) => {
    expect(backoffDelayMs(attempt, 500, 10_000, () => draw)).toBe(expected);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2024-01-10T12:00:00Z');
  it.each([
    ['120', 120_000],
    [' 2 ', 2_000],
    ['1.5', 1_500],
    ['Wed, 10 Jan 2024 12:01:00 GMT', 60_000],
    ['Wed, 10 Jan 2024 11:00:00 GMT', 0], // a date in the past means "now"
    [['3', '9'], 3_000],
  ])('reads %j as %i ms', (value, expected) => {
    expect(parseRetryAfterMs(value, now)).toBe(expected);
  });

  it.each([[undefined], [''], ['soon'], ['-5']])('ignores %j', (value) => {
    expect(parseRetryAfterMs(value, now)).toBeUndefined();
  });
});
