import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../util/log.ts';
import { createCsvSource, datesAscending, parseYahooCsv, YAHOO_CSV_HEADER } from './csv.ts';
import { checkFetchResult } from './source.ts';

const JANUARY = { start: '2024-01-01', end: '2024-01-31' };

async function csvDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-csv-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const AAPL_CSV = [
  YAHOO_CSV_HEADER,
  '2023-12-29,193.899994,194.399994,191.729996,192.529999,191.591385,42628800',
  '2024-01-02,187.149994,188.440002,183.889999,185.639999,184.290588,82488700',
  '2024-01-03,184.220001,185.880005,183.429993,184.250000,182.910645,58414500',
  '2024-01-04,null,null,null,null,null,null',
  '2024-01-05,181.990005,182.759995,180.169998,181.179993,,62303300',
  '2024-01-08,182.089996,185.600006,181.500000,185.559998,184.209518,59144500',
  '2024-02-01,183.990005,186.949997,183.820007,186.860001,185.502731,64885400',
  '',
].join('\r\n');

describe('csv source', () => {
  it('reads Yahoo-format files, skipping and counting null or empty rows, within the range', async () => {
    const dir = await csvDir({ 'AAPL.csv': AAPL_CSV });
    const result = await createCsvSource(dir).fetch(['AAPL'], JANUARY, silentLogger);
    expect(result.failures).toEqual([]);
    expect(result.skippedRows).toBe(2); // the null row and the one with an empty adj close
    expect(result.bars.map((b) => b.date)).toEqual(['2024-01-02', '2024-01-03', '2024-01-08']);
    expect(result.bars[0]).toEqual({
      symbol: 'AAPL',
      date: '2024-01-02',
      open: 187.149994,
      high: 188.440002,
      low: 183.889999,
      close: 185.639999,
      adjClose: 184.290588,
      volume: 82488700,
    });
  });

  it('fails a missing file and a wrong header per symbol, naming the file', async () => {
    const dir = await csvDir({
      'AAPL.csv': AAPL_CSV,
      'MSFT.csv': 'date,close\n2024-01-02,370.87\n',
    });
    const result = await createCsvSource(dir).fetch(['AAPL', 'MSFT', 'GOOG'], JANUARY, silentLogger);
    expect(result.bars.every((b) => b.symbol === 'AAPL')).toBe(true);
    expect(result.failures).toEqual([
      {
        symbol: 'MSFT',
        reason: `${join(dir, 'MSFT.csv')} has header "date,close"; expected "${YAHOO_CSV_HEADER}"`,
      },
      { symbol: 'GOOG', reason: `file not found: ${join(dir, 'GOOG.csv')}` },
    ]);
  });

  it('finds a file named in another case than the upper-cased symbol (aapl.csv for a list saying aapl)', async () => {
    const dir = await csvDir({ 'aapl.csv': AAPL_CSV, 'Msft.csv': AAPL_CSV, 'msft.csv': AAPL_CSV });
    const result = await createCsvSource(dir).fetch(['AAPL', 'MSFT'], JANUARY, silentLogger);
    expect(result.bars.filter((b) => b.symbol === 'AAPL')).toHaveLength(3);
    // Two files that differ only in case: neither is taken for the other.
    expect(result.failures).toEqual([{ symbol: 'MSFT', reason: `file not found: ${join(dir, 'MSFT.csv')}` }]);
  });

  it('fails a symbol whose file has no bars in the range', async () => {
    const dir = await csvDir({ 'AAPL.csv': AAPL_CSV });
    const result = await createCsvSource(dir).fetch(
      ['AAPL'],
      { start: '2025-01-01', end: '2025-12-31' },
      silentLogger,
    );
    expect(result.failures[0]?.reason).toMatch(/^no bars between 2025-01-01 and 2025-12-31 in /);
  });

  it('makes the run fail when no symbol has a file', async () => {
    const dir = await csvDir({});
    const source = createCsvSource(dir);
    const result = await source.fetch(['AAPL', 'MSFT'], JANUARY, silentLogger);
    expect(() => checkFetchResult(result, ['AAPL', 'MSFT'], source.name, silentLogger)).toThrow(
      /every symbol failed to fetch from csv:.*AAPL \(file not found.*MSFT \(file not found/,
    );
  });

  it('names bad rows by line on the JavaScript path too (the Spark engine reads CSVs through it)', async () => {
    const text = [
      YAHOO_CSV_HEADER,
      '2024-01-03,1,2,3,4,5,6',
      '2024-1-5,1,2,3,4,5,6',
      '2024-02-30,1,2,3,4,5,6',
      '2024-01-08,1,2,3,4,0,6',
      '2024-01-09,1,2,3,4,1e12,6',
      '2024-01-10,1,2',
      '2024-01-02,1,2,3,4,5,6',
      '2024-01-11,1,2,3,4,5,6',
      '2024-01-11,1,2,3,4,6,6',
      '',
    ].join('\n');
    const parsed = parseYahooCsv('X', text, { start: '2024-01-01', end: '2024-12-31' }, 'X.csv');
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.bars.map((b) => b.date)).toEqual(['2024-01-02', '2024-01-03']);
    expect(parsed.report.badRows).toBe(7);
    expect(parsed.report.problems).toEqual([
      'line 3: date "2024-1-5" is not a calendar date YYYY-MM-DD',
      'line 4: date "2024-02-30" is not a calendar date YYYY-MM-DD',
      'line 5: adj close 0 is not positive',
    ]);
    const dir = await csvDir({ 'X.csv': text });
    await expect(
      createCsvSource(dir, { onBadRow: 'fail' }).fetch(['X'], JANUARY, silentLogger),
    ).rejects.toThrow(/1 file\(s\) have bad rows; nothing was written/);
    const skipped = await createCsvSource(dir).fetch(['X'], JANUARY, silentLogger);
    expect(skipped.badRows).toBe(7);
  });
});

describe("csv headers: Yahoo's columns found by name", () => {
  /** AAPL_CSV with its columns as `order` names them (by Yahoo's names) and `extra` columns after them. */
  const reordered = (order: string[], extra: string[] = []) =>
    AAPL_CSV.split('\r\n')
      .map((line, i) => {
        if (line === '') return line;
        const cells = line.split(',');
        const picked = order.map((name) => cells[YAHOO_CSV_HEADER.split(',').indexOf(name)]!);
        return [...picked, ...(i === 0 ? extra : extra.map(() => '0'))].join(',');
      })
      .join('\r\n');

  it("reads a header in another column order, or with extra columns (yfinance), as Yahoo's own order", async () => {
    const dir = await csvDir({
      'AAPL.csv': AAPL_CSV,
      'ORDER.csv': reordered(['Date', 'Adj Close', 'Close', 'High', 'Low', 'Open', 'Volume']),
      'EXTRA.csv': reordered(YAHOO_CSV_HEADER.split(','), ['Dividends', 'Stock Splits']),
      'CASE.csv': AAPL_CSV.replace(YAHOO_CSV_HEADER, ' date , open,high,low,close,adj close,VOLUME'),
    });
    const result = await createCsvSource(dir).fetch(
      ['AAPL', 'ORDER', 'EXTRA', 'CASE'],
      JANUARY,
      silentLogger,
    );
    expect(result.failures).toEqual([]);
    const of = (s: string) => result.bars.filter((b) => b.symbol === s).map(({ symbol, ...b }) => b);
    expect(of('AAPL')).toHaveLength(3);
    for (const s of ['ORDER', 'EXTRA', 'CASE']) expect(of(s), s).toEqual(of('AAPL'));
    expect(result.skippedRows).toBe(8);
  });

  it("names a row whose field count is not the header's", () => {
    const text = `${reordered(YAHOO_CSV_HEADER.split(','), ['Dividends'])}\n2024-01-09,1,2,3,4,5,6\n`;
    const parsed = parseYahooCsv('X', text, JANUARY, 'X.csv');
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.report.problems).toEqual(['line 10: expected 8 fields, found 7']);
  });

  it('refuses a header that lacks one of the seven columns or names one twice, naming the file', () => {
    for (const header of [
      'Date,Open,High,Low,Close,Volume',
      'Date,Open,High,Low,Close,Adj Close,Volume,Close',
    ]) {
      const parsed = parseYahooCsv('X', `${header}\n`, JANUARY, 'X.csv');
      expect(parsed).toEqual({
        ok: false,
        reason: `X.csv has header "${header.length > 40 ? `${header.slice(0, 40)}…` : header}"; expected "${YAHOO_CSV_HEADER}"`,
      });
    }
  });
});

describe('datesAscending: the cheap proof that a file repeats no date and is in date order', () => {
  const file = (...rows: string[]) => Buffer.from([YAHOO_CSV_HEADER, ...rows].join('\n'));
  const row = (date: string) => `${date},1,2,0.5,1.5,1.4,100`;
  it.each([
    ['rows in date order, with a final newline', file(row('2024-01-02'), row('2024-01-03'), ''), true],
    ['rows in date order, no final newline', file(row('2023-12-29'), row('2024-01-02')), true],
    [
      'CRLF line ends',
      Buffer.from(`${YAHOO_CSV_HEADER}\r\n${row('2024-01-02')}\r\n${row('2024-01-03')}\r\n`),
      true,
    ],
    ['a header alone', file(), true],
    ['a null row among them', file(row('2024-01-02'), '2024-01-03,null,null,null,null,null,null'), true],
    ['a repeated date', file(row('2024-01-02'), row('2024-01-02')), false],
    ['a repeated date further apart', file(row('2024-01-02'), row('2024-01-03'), row('2024-01-02')), false],
    ['dates going back', file(row('2024-01-03'), row('2024-01-02')), false],
    ['a blank line', file(row('2024-01-02'), '', row('2024-01-03')), false],
    ['two final newlines', file(row('2024-01-02'), '', ''), false],
    ['a space before a date', file(row('2024-01-02'), ` ${row('2024-01-03')}`), false],
    ['a short date', file(row('2024-01-02'), row('2024-1-03')), false],
    ['a date not followed by a comma', file(row('2024-01-02'), '2024-01-03 ,1,2,0.5,1.5,1.4,100'), false],
    ['a non-digit in a date', file(row('2024-01-02'), row('2024-0a-03')), false],
    ['a line shorter than a date', file(row('2024-01-02'), '2024'), false],
  ])('%s', (_name, bytes, expected) => {
    expect(datesAscending(bytes)).toBe(expected);
  });
});
