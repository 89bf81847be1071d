import { describe, expect, it } from 'vitest';
import { dateKeyAt, NOT_A_DATE } from './csv-date.ts';

const at = (text: string, pos = 0) => dateKeyAt(Buffer.from(text), pos);

describe('dateKeyAt: the date at a CSV line start, shared by the byte pass and the plain reader', () => {
  it('reads YYYY-MM-DD followed by a comma as YYYYMMDD, at any offset', () => {
    expect(at('2024-04-26,1,2')).toBe(20240426);
    expect(at('Date\n0001-01-01,', 5)).toBe(10101);
    expect(at('2024-04-26,') > at('2024-04-25,')).toBe(true);
  });

  it.each([
    ['no comma after the date', '2024-04-26;1'],
    ['a slash for a dash', '2024/04/26,1'],
    ['a letter among the digits', '2024-O4-26,1'],
    ['a space before the date', ' 2024-04-26,'],
    ['a sign', '-024-04-26,1'],
    ['cut short at the end of the bytes', '2024-04-26'],
  ])('refuses %s', (_, text) => {
    expect(at(text)).toBe(NOT_A_DATE);
  });

  it('leaves the calendar to the caller (month 13 is date-shaped)', () => {
    expect(at('2024-13-40,')).toBe(20241340);
  });
});
