import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ALL_DATES } from '../domain/bar.ts';
import { epochDays } from '../engines/duckdb/sql-util.ts';
import { YAHOO_CSV_HEADER } from './csv.ts';
import { CsvColumns, daysFromCivil, readPlainCsv } from './csv-columns.ts';

const file = (lines: readonly string[], eol = '\n') =>
  Buffer.from(`${YAHOO_CSV_HEADER}${eol}${lines.join(eol)}${eol}`);

/** Deterministic pseudo-random numbers (a test that fails must fail the same way again). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const digits = (rnd: () => number, n: number) =>
  Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join('');

/** Positive decimals below 1e12 as Yahoo writes them, and the hard cases of a decimal-to-double conversion. */
function decimals(): string[] {
  const rnd = random(42);
  const out = [
    '0.1',
    '0.5',
    '1.0000005',
    '0.0000005',
    '2.5000000000000000001',
    '9007199254740993', // 2^53 + 1: a tie, rounds to even (a volume: prices stay below MAX_PRICE)
    '9007199254740995',
    '4503599627370497.5', // a tie just below 2^53
    '18014398509481985',
    '123456789012345678901234567890',
    '999999999999.9998', // just below MAX_PRICE
    '999999999999.99',
    '123456789012.123456789012345678901234567890',
    '00012.500000',
    '1.7976931348623157',
    '0.30000000000000004',
    '28.567717',
    '0.000001',
  ];
  for (let i = 0; i < 3000; i++) {
    const int = digits(rnd, Math.floor(rnd() * 20)) || '0';
    const frac = digits(rnd, Math.floor(rnd() * 26));
    const text = frac ? `${int}.${frac}` : int;
    if (Number(text) > 0) out.push(text);
  }
  return out;
}

describe('readPlainCsv', () => {
  it('reads every plain decimal to the same double as DuckDB’s cast to DOUBLE (the SQL path’s)', async () => {
    const texts = decimals();
    const lines = texts.map((t, i) => {
      const date = new Date(Date.UTC(1990, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      // Prices stay below MAX_PRICE; volume has no bound.
      const p = Number(t) < 1e12 ? t : '1';
      return `${date},${p},${p},${p},${p},${p},${t}`;
    });
    const cols = new CsvColumns(16);
    const counts = readPlainCsv(file(lines), ALL_DATES, cols);
    expect(counts).toMatchObject({ bars: texts.length, nullRows: 0 });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      await conn.run('CREATE TABLE t (i INTEGER, s VARCHAR)');
      const app = await conn.createAppender('t');
      texts.forEach((t, i) => {
        app.appendInteger(i);
        app.appendVarchar(t);
        app.endRow();
      });
      app.closeSync();
      const rows = (
        await conn.runAndReadAll('SELECT i, try_cast(s AS DOUBLE) FROM t ORDER BY i')
      ).getRowsJS();
      const differ = rows.filter(([i, v]) => {
        const k = Number(i);
        const price = Number(texts[k]) < 1e12 ? v : 1;
        return (
          !Object.is(cols.close[k], price) || !Object.is(cols.open[k], price) || !Object.is(cols.volume[k], v)
        );
      });
      expect(
        differ.map(([i, v]) => `${texts[Number(i)]}: duckdb ${v}, plain ${cols.close[Number(i)]}`),
      ).toEqual([]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('reads dates as days since 1970-01-01, null cells as NaN, null rows as counted, and the span of the bars', () => {
    const cols = new CsvColumns(1);
    const counts = readPlainCsv(
      file([
        '1900-02-28,1,2,3,4,5,6',
        '1900-03-01,,null,,4,5,',
        '2000-02-29,1,2,3,null,5,6', // null close: a null row
        '2004-02-29,1,2,3,4,,0', // null adj close: a null row
        '2024-12-31,0,0,0,0.5,0.25,0',
      ]),
      ALL_DATES,
      cols,
    );
    expect(counts).toEqual({ bars: 3, nullRows: 2, first: '1900-02-28', last: '2024-12-31' });
    expect([...cols.date.subarray(0, 3)]).toEqual([
      epochDays('1900-02-28'),
      epochDays('1900-03-01'),
      epochDays('2024-12-31'),
    ]);
    expect([...cols.open.subarray(0, 3)]).toEqual([1, Number.NaN, 0]);
    expect([...cols.high.subarray(0, 3)]).toEqual([2, Number.NaN, 0]);
    expect([...cols.volume.subarray(0, 3)]).toEqual([6, Number.NaN, 0]);
    expect([...cols.adjClose.subarray(0, 3)]).toEqual([5, 5, 0.25]);
  });

  it('keeps only the bars in range, but checks and spans them all', () => {
    const cols = new CsvColumns();
    const counts = readPlainCsv(
      file(['2020-01-01,1,1,1,1,1,1', '2020-01-02,1,1,1,2,2,1', '2020-01-03,1,1,1,3,3,1']),
      { start: '2020-01-02', end: '2020-01-02' },
      cols,
    );
    expect(counts).toEqual({ bars: 1, nullRows: 0, first: '2020-01-01', last: '2020-01-03' });
    expect(cols.length).toBe(1);
    expect(cols.close[0]).toBe(2);
  });

  it('reads CRLF line ends and a last line without one', () => {
    const cols = new CsvColumns();
    const bytes = Buffer.from(`${YAHOO_CSV_HEADER}\r\n2020-01-01,1,1,1,1,1,1\r\n2020-01-02,1,1,1,2,2,7`);
    expect(readPlainCsv(bytes, ALL_DATES, cols)).toMatchObject({ bars: 2 });
    expect(cols.volume[1]).toBe(7);
  });

  // Each line is fine for the general path or a bad row there: either way not plain, so the file is declined.
  it.each([
    ['a space', '2020-01-02, 1,1,1,1,1,1'],
    ['a sign', '2020-01-02,+1,1,1,1,1,1'],
    ['an exponent', '2020-01-02,1,1,1,1e2,1,1'],
    ['a trailing dot', '2020-01-02,1,1,1,1.,1,1'],
    ['a leading dot', '2020-01-02,1,1,1,.5,1,1'],
    ['a blank line', ''],
    ['six fields', '2020-01-02,1,1,1,1,1'],
    ['eight fields', '2020-01-02,1,1,1,1,1,1,1'],
    ['an impossible date', '2020-02-30,1,1,1,1,1,1'],
    ['a short date', '2020-1-05,1,1,1,1,1,1'],
    ['a zero close', '2020-01-02,1,1,1,0,1,1'],
    ['a zero adj close', '2020-01-02,1,1,1,1,0.0,1'],
    ['a price at MAX_PRICE', '2020-01-02,1,1,1,1000000000000,1,1'],
    ['a price rounding to MAX_PRICE', '2020-01-02,1,1,1,999999999999.99999999,1,1'],
    ['an open at MAX_PRICE', '2020-01-02,1000000000000,1,1,1,1,1'],
    ['text', '2020-01-02,1,1,1,abc,1,1'],
    ['NaN', '2020-01-02,1,1,1,NaN,1,1'],
    ['a repeated date', '2020-01-01,1,1,1,1,1,1'],
    ['an earlier date', '2019-12-31,1,1,1,1,1,1'],
    ['a CR inside a line', '2020-01-02,1,1\r,1,1,1,1'],
  ])('declines a file with %s, leaving the columns as they were', (_what, line) => {
    const cols = new CsvColumns(1);
    readPlainCsv(file(['2019-12-30,9,9,9,9,9,9']), ALL_DATES, cols);
    const bytes = file(['2020-01-01,1,1,1,1,1,1', line, '2020-01-05,1,1,1,1,1,1']);
    expect(readPlainCsv(bytes, ALL_DATES, cols)).toBeNull();
    expect(cols.length).toBe(1);
    expect(cols.close[0]).toBe(9);
  });

  it('counts days like the calendar', () => {
    for (const iso of ['0001-01-01', '1582-10-15', '1900-03-01', '1970-01-01', '2000-02-29', '9999-12-31']) {
      const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
      expect(daysFromCivil(y, m, d), iso).toBe(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
    }
  });
});
