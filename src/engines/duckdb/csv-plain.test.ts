import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_DATES, type DateRange } from '../../domain/bar.ts';
import { Lake, TABLE } from '../../lake/index.ts';
import { parseYahooCsv, YAHOO_CSV_HEADER } from '../../sources/csv.ts';
import { csvLayout, isStandardLayout } from '../../sources/csv-rows.ts';
import type { CsvFileCounts, CsvFileIn } from '../engine.ts';
import { loadPlainCsvFiles, type PlainLoadOptions } from './csv-plain.ts';
import { DuckDbEngine } from './duckdb-engine.ts';
import { readParquet } from './sql-util.ts';

const opened: DuckDbEngine[] = [];
afterEach(async () => {
  for (const e of opened.splice(0)) await e.close();
});

/** Rows on consecutive days from 2001-01-01 (the edge cases of a price's text, one per row). */
function rows(cells: readonly string[]): string[] {
  return cells.map(
    (c, i) => `${new Date(Date.UTC(2001, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)},${c}`,
  );
}

/** CSV files by symbol; every file's dates ascend (what the byte pass proves before a file may be read plain). */
const FILES: Record<string, string> = {
  EDGE: [
    YAHOO_CSV_HEADER,
    ...rows([
      '1.0000005,2.5000005,0.0000005,12.3456785,12.3456775,0',
      '0.1,0.2,0.30000000000000004,28.567717,28.567717000000000001,', // many decimals; empty volume
      '999999999999.99,999999999999.9998,1,999999999999.9998,999999999999.99,123456789012345678', // near max
      ',null,,5.5,5.5,null', // null open/high/low/volume
      '1,1,1,null,1,1', // null close: a null row
      '1,1,1,1,,1', // empty adj close: a null row
      '00012.500000,0012.5,12.5,12.5,12.5,9007199254740993',
      '1,1,1,0.000001,0.000001,4503599627370497.5',
      '123456789012.123456789012345678901234567890,1,1,7.25,7.25,1',
    ]),
  ].join('\n'),
  CRLF: `${[YAHOO_CSV_HEADER, ...rows(['1,2,3,4,5,6', '1.5,2.5,3.5,4.5,5.5,6.5', '7,7,7,7.125,7.125,7'])].join('\r\n')}\r\n`,
  LEAP: [
    YAHOO_CSV_HEADER,
    '1900-02-28,1,1,1,1,1,1',
    '1900-03-01,2,2,2,2,2,2',
    '2000-02-29,3,3,3,3,3,3',
    '2024-02-29,4,4,4,4,4,4',
  ].join('\n'),
  // Not plain (an exponent, a space): read by SQL even when offered to the plain reader.
  EXPO: [YAHOO_CSV_HEADER, ...rows(['1,1,1,1.5e2,1.5e2,1', '1,1,1, 2.5,2.5,1e3'])].join('\n'),
  // A bad row (zero close): read by SQL, its good rows kept (--on-bad-row skip).
  BAD: [YAHOO_CSV_HEADER, ...rows(['1,1,1,3,3,1', '1,1,1,0,1,1', '1,1,1,4,4,1'])].join('\n'),
  // More rows than a chunk holds (2,048), nulls scattered: the reused chunk must not carry a null into the next.
  LONG: [
    YAHOO_CSV_HEADER,
    ...Array.from({ length: 5000 }, (_, i) => {
      const date = new Date(Date.UTC(1980, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      return `${date},${i % 7 === 0 ? '' : '1.5'},2,${i % 3 === 0 ? 'null' : '1'},${i + 1}.25,${i + 1}.125,${i % 5 === 0 ? '' : i}`;
    }),
  ].join('\n'),
  A: [YAHOO_CSV_HEADER, ...rows(['10,11,9,10.5,10.25,100', '10,11,9,10.75,10.5,200'])].join('\n'),
};

function writeFiles(): CsvFileIn[] {
  const dir = join(mkdtempSync(join(tmpdir(), 'bf-plain-')), 'csv');
  mkdirSync(dir);
  // Not in symbol order: the load sorts by symbol.
  return ['EDGE', 'A', 'LONG', 'CRLF', 'EXPO', 'LEAP', 'BAD'].map((symbol) => {
    const path = join(dir, `${symbol}.csv`);
    writeFileSync(path, FILES[symbol]!);
    return { symbol, path };
  });
}

/**
 * Loads the files into a new lake; `ordered` true offers every file to the plain reader, false sends all to SQL,
 * undefined leaves it to the engine (as `bf data fetch` does).
 */
async function load(
  files: readonly CsvFileIn[],
  ordered: boolean | undefined,
  range: DateRange = ALL_DATES,
): Promise<{ lake: Lake; counts: CsvFileCounts[] }> {
  const lake = Lake.open(mkdtempSync(join(tmpdir(), 'bf-plain-wd-')));
  const e = await DuckDbEngine.open(lake);
  opened.push(e);
  const { counts } = await e.loadCsvPrices({
    files: files.map((f) => (ordered === undefined ? { ...f } : { ...f, ordered })),
    range,
    meta: { source: 'csv:test', synthetic: false, range, fetchedAt: '2026-01-01T00:00:00Z' },
    judge: async (all) => all.flatMap((c, i) => (c.bars > 0 ? [i] : [])),
  });
  return { lake, counts };
}

/** The prices rows of two lakes that the other lacks (a multiset difference; doubles compared exactly). */
async function difference(
  a: Lake,
  b: Lake,
): Promise<{ rows: [number, number]; onlyA: number; onlyB: number }> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const pa = readParquet(a.parquetFiles(TABLE.prices)!);
    const pb = readParquet(b.parquetFiles(TABLE.prices)!);
    const n = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRowsJS()[0]![0]);
    return {
      rows: [await n(`SELECT count(*) FROM ${pa}`), await n(`SELECT count(*) FROM ${pb}`)],
      onlyA: await n(`SELECT count(*) FROM (SELECT * FROM ${pa} EXCEPT ALL SELECT * FROM ${pb})`),
      onlyB: await n(`SELECT count(*) FROM (SELECT * FROM ${pb} EXCEPT ALL SELECT * FROM ${pa})`),
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('csv:DIR loads: the plain reader and the SQL path write the same prices', () => {
  it('writes byte-identical prices files and the same counts for the same CSVs, edge cases included', async () => {
    const files = writeFiles();
    const plain = await load(files, true);
    const sql = await load(files, false);
    expect(plain.counts).toEqual(sql.counts);
    expect(plain.counts.find((c) => c.symbol === 'EDGE')).toMatchObject({ bars: 7, nullRows: 2, badRows: 0 });
    expect(plain.counts.find((c) => c.symbol === 'BAD')).toMatchObject({ bars: 2, badRows: 1 });
    expect(await difference(plain.lake, sql.lake)).toEqual({ rows: [5020, 5020], onlyA: 0, onlyB: 0 });
    const [pf] = plain.lake.parquetFiles(TABLE.prices)!;
    const [sf] = sql.lake.parquetFiles(TABLE.prices)!;
    expect(readFileSync(pf!).equals(readFileSync(sf!))).toBe(true);
  });

  it('finds out which files are plain and in order itself when the caller does not say', async () => {
    const files = writeFiles();
    const open = await load(files, undefined);
    const sql = await load(files, false);
    expect(open.counts).toEqual(sql.counts);
    const [of] = open.lake.parquetFiles(TABLE.prices)!;
    const [sf] = sql.lake.parquetFiles(TABLE.prices)!;
    expect(readFileSync(of!).equals(readFileSync(sf!))).toBe(true);
  });

  it('writes the same prices when every file is plain (no sort at all) and within a date range', async () => {
    const files = writeFiles().filter((f) => !['EXPO', 'BAD', 'LONG'].includes(f.symbol));
    const range = { start: '2001-01-02', end: '2001-01-08' };
    const plain = await load(files, true, range);
    const sql = await load(files, false, range);
    expect(plain.counts).toEqual(sql.counts);
    const d = await difference(plain.lake, sql.lake);
    expect(d).toMatchObject({ onlyA: 0, onlyB: 0 });
    expect(d.rows[0]).toBe(8); // EDGE 5 (two null rows), A 1, CRLF 2, LEAP none
    const [pf] = plain.lake.parquetFiles(TABLE.prices)!;
    const [sf] = sql.lake.parquetFiles(TABLE.prices)!;
    expect(readFileSync(pf!).equals(readFileSync(sf!))).toBe(true);
  });
});

describe('the plain reader on a worker thread', () => {
  /** The file, its rows and the results of one load of `files` (in the order given) with `opts`. */
  async function plainLoad(files: readonly CsvFileIn[], opts: PlainLoadOptions) {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const out = join(mkdtempSync(join(tmpdir(), 'bf-plain-')), 'plain.parquet');
    try {
      const load = await loadPlainCsvFiles(
        conn,
        files.map((f) => ({ path: f.path, symbol: f.symbol })),
        ALL_DATES,
        out,
        opts,
      );
      // file_row_number: the order the rows were written in (the lake's prices file keeps it).
      const rows = (
        await conn.runAndReadAll(
          `SELECT file_row_number, * EXCLUDE (file_row_number) FROM read_parquet('${out}', file_row_number = true) ORDER BY file_row_number`,
        )
      ).getRowsJS();
      return {
        load,
        bytes: readFileSync(out),
        rows: JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : v)),
      };
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }

  it('writes the same file (same rows, same order), with the same per-file results, as this thread, files cut across batches', async () => {
    // LONG (5,000 rows) spans batches of 2,048 rows; EXPO and BAD are declined, their dates ascending.
    const files = writeFiles();
    const here = await plainLoad(files, { worker: false });
    expect(here.load.files.filter((r) => r.counts === null)).toHaveLength(2);
    expect(here.load.files.map((r) => r.ascending)).toEqual(
      files.map((f) => ['EXPO', 'BAD'].includes(f.symbol)),
    );
    for (const opts of [
      { worker: true },
      { worker: true, batchRows: 2048 },
      { worker: false, batchRows: 2048 },
    ]) {
      const other = await plainLoad(files, opts);
      expect(other.load).toEqual(here.load);
      expect(other.rows).toBe(here.rows);
      expect(other.bytes.equals(here.bytes)).toBe(true);
    }
  });
});

describe('the plain reader with a single libuv thread', () => {
  it('finishes: the COPY holds the only thread of libuv while the scan waits for the worker, which reads on its own', () => {
    // More batches than the worker may post ahead, so that it reads files while the COPY runs.
    const dir = mkdtempSync(join(tmpdir(), 'bf-plain-'));
    const files = Array.from({ length: 40 }, (_, k) => {
      const path = join(dir, `L${k}.csv`);
      writeFileSync(path, FILES.LONG!);
      return { path, symbol: `L${k}` };
    });
    const out = join(mkdtempSync(join(tmpdir(), 'bf-plain-')), 'plain.parquet');
    const script = join(mkdtempSync(join(tmpdir(), 'bf-plain-')), 'load.ts');
    writeFileSync(
      script,
      `import { DuckDBInstance } from ${JSON.stringify(import.meta.resolve('@duckdb/node-api'))};
import { loadPlainCsvFiles } from ${JSON.stringify(new URL('./csv-plain.ts', import.meta.url).href)};
const db = await DuckDBInstance.create(':memory:');
const load = await loadPlainCsvFiles(await db.connect(), ${JSON.stringify(files)}, ${JSON.stringify(ALL_DATES)},
  ${JSON.stringify(out)}, { worker: true, batchRows: 2048 });
console.log(load.rows);
`,
    );
    const child = spawnSync(process.execPath, [script], {
      env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.signal).toBeNull();
    expect(child.stderr).toBe('');
    expect(Number(child.stdout.trim())).toBe(40 * 5000);
  }, 60_000);
});

describe('csv:DIR loads read by SQL agree with the JavaScript rules (src/sources/csv.ts parseYahooCsv)', () => {
  const r = (date: string, adj: string) => `${date},1,2,0.5,${adj},${adj},100`;
  const SQL_FILES: Record<string, string> = {
    // The same line twice (two downloads joined), three times, and null rows twice: each counts once.
    COPIES: [
      YAHOO_CSV_HEADER,
      r('2001-01-01', '1.5'),
      r('2001-01-02', '2'),
      r('2001-01-02', '2'),
      r('2001-01-03', '2.5'),
      r('2001-01-03', '2.50'), // the same value written otherwise
      r('2001-01-03', '2.5'),
      '2001-01-04,null,null,null,null,null,null',
      '2001-01-04,null,null,null,null,null,null',
      r('2001-01-05', '3'),
      r('2001-01-01', '1.5'), // a copy after later dates
    ].join('\n'),
    // Lines of one date that do not all say the same: all of them are bad, copies included.
    CONFLICT: [
      YAHOO_CSV_HEADER,
      r('2001-01-01', '1'),
      r('2001-01-02', '2'),
      r('2001-01-02', '2'),
      r('2001-01-02', '2.1'),
      r('2001-01-03', '3'),
      '2001-01-03,null,null,null,null,null,null',
      r('2001-01-04', '4'),
      r('2001-01-04', '0'),
      r('2001-01-05', '5'),
    ].join('\n'),
    // Yahoo's columns in another order, with an extra one, a copy and a short row.
    ORDER: [
      'Date,Adj Close,Close,Volume,Open,High,Low,Dividends',
      '2001-01-02,2,2,100,1,2,0.5,0',
      '2001-01-01,1,1,100,1,2,0.5,0',
      '2001-01-02,2,2,100,1,2,0.5,0',
      '2001-01-03,3,3,100,1,2,0.5',
    ].join('\n'),
  };

  it('keeps one of a repeated line, rejects every line of a date whose lines differ, and reads headers by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-sql-rows-'));
    const files: CsvFileIn[] = Object.entries(SQL_FILES).map(([symbol, text]) => {
      const path = join(dir, `${symbol}.csv`);
      writeFileSync(path, text);
      const layout = csvLayout(text.slice(0, text.indexOf('\n')))!;
      return isStandardLayout(layout) ? { symbol, path } : { symbol, path, layout };
    });
    const { lake, counts } = await load(files, undefined);
    const want = files.map((f) => {
      const parsed = parseYahooCsv(f.symbol, SQL_FILES[f.symbol]!, ALL_DATES, f.path);
      if (!parsed.ok) throw new Error(parsed.reason);
      return { parsed, f };
    });
    expect(
      counts.map(({ symbol, bars, nullRows, badRows }) => ({ symbol, bars, nullRows, badRows })),
    ).toEqual(
      want.map(({ parsed, f }) => ({
        symbol: f.symbol,
        bars: parsed.bars.length,
        nullRows: parsed.report.nullRows,
        badRows: parsed.report.badRows,
      })),
    );
    expect(counts.map((c) => [c.bars, c.nullRows, c.badRows])).toEqual([
      [4, 1, 0], // COPIES: 01-01, 01-02, 01-03, 01-05; one null row
      [2, 0, 7], // CONFLICT: 01-01, 01-05; 01-02 ×3, 01-03 ×2, 01-04 ×2 bad
      [2, 0, 1], // ORDER: 01-01, 01-02; the short row
    ]);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const stored = (
        await conn.runAndReadAll(
          `SELECT symbol, CAST(date AS VARCHAR), adj_close FROM ${readParquet(lake.parquetFiles(TABLE.prices)!)} ORDER BY ALL`,
        )
      ).getRowsJS();
      expect(stored).toEqual(
        want
          .flatMap(({ parsed }) => parsed.bars.map((b) => [b.symbol, b.date, b.adjClose]))
          .sort((a, b) => (`${a[0]} ${a[1]}` < `${b[0]} ${b[1]}` ? -1 : 1)),
      );
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
  it('agrees with the JavaScript rules within a range that cuts through repeated lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-sql-rows-range-'));
    const range = { start: '2001-01-02', end: '2001-01-03' };
    const files: CsvFileIn[] = Object.entries(SQL_FILES).map(([symbol, text]) => {
      const path = join(dir, `${symbol}.csv`);
      writeFileSync(path, text);
      const layout = csvLayout(text.slice(0, text.indexOf('\n')))!;
      return isStandardLayout(layout) ? { symbol, path } : { symbol, path, layout };
    });
    const { counts } = await load(files, undefined, range);
    expect(
      counts.map(({ symbol, bars, nullRows, badRows }) => ({ symbol, bars, nullRows, badRows })),
    ).toEqual(
      files.map((f) => {
        const parsed = parseYahooCsv(f.symbol, SQL_FILES[f.symbol]!, range, f.path);
        if (!parsed.ok) throw new Error(parsed.reason);
        const { nullRows, badRows } = parsed.report;
        return { symbol: f.symbol, bars: parsed.bars.length, nullRows, badRows };
      }),
    );
  });
});
