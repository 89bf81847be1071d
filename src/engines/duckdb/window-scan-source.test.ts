import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { priceWalk } from '../../../test/support/price-walk.ts';
import { featuresOuterSelect } from '../incremental-sql.ts';
import { loadSql } from '../sql-files.ts';
import { readScanBars, windowScanQuery } from './window-scan-source.ts';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A connection with `px(symbol, date, adj_close)` of the given histories, inserted in the given row order. */
async function db(histories: number[][], order: 'sorted' | 'shuffled'): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  closers.push(() => {
    conn.closeSync();
    instance.closeSync();
  });
  await conn.run('CREATE TABLE px (symbol VARCHAR, date DATE, adj_close DOUBLE)');
  const rows = histories.flatMap((prices, i) =>
    prices.map((p, j) => `('S${String(i).padStart(2, '0')}', DATE '2000-01-01' + ${i * 3 + j * 2}, ${p})`),
  );
  // Newest first, symbols interleaved: a scan of it is in no useful order.
  if (order === 'shuffled') rows.reverse();
  await conn.run(`INSERT INTO px VALUES ${rows.join(', ')}`);
  const names = histories.map((_, i) => `'S${String(i).padStart(2, '0')}'`);
  await conn.run(`CREATE TYPE sym AS ENUM (${names.join(', ')})`);
  await conn.run('CREATE VIEW prices AS SELECT * REPLACE (CAST(symbol AS sym) AS symbol) FROM px');
  return conn;
}

const sorted = (sql: string) => `SELECT * FROM (${sql}) f ORDER BY symbol, date`;

async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sorted(sql))).getRowObjectsJS();
}

/** features.sql over `prices` with the window values from the scan, or why the scan refused. */
async function scanned(
  conn: DuckDBConnection,
  symbols: number,
  ordered: boolean,
): Promise<Record<string, unknown>[] | string> {
  const bars = await readScanBars(conn, 'prices', symbols, ordered);
  if (typeof bars === 'string') return bars;
  const names = Array.from({ length: symbols }, (_, i) => `S${String(i).padStart(2, '0')}`);
  const q = await windowScanQuery(conn, featuresOuterSelect(loadSql('features'))!, bars, 'sym', names);
  try {
    return await q.run(rows(conn, q.sql));
  } finally {
    await q.release();
  }
}

describe('the window scan source: features.sql’s rows from one pass', () => {
  // Lengths around SMA50, SMA200 and the 252-bar frame; 6-decimal prices; a flat stretch and a fall to a low.
  const lengths = [1, 2, 49, 50, 51, 199, 200, 201, 252, 253, 254, 700];
  const histories = lengths.map((n, i) => {
    const p = priceWalk(i + 1, n).map((x, j) => x + ((j * 7919) % 1_000_000) / 1e6);
    if (n > 600) for (let j = 300; j < 560; j++) p[j] = 30.123456;
    if (n > 650) p[650] = 0.000001;
    return p;
  });
  // Frame edges that decide a feature: a bar that leaves a sum or the 252-bar frame holds the extreme.
  const edges = Array<number>(600).fill(10);
  edges[0] = 1000; // in bar 50's 50-bar sum, out of bar 51's (and likewise at 200 / 201)
  edges[50] = 11;
  edges[200] = 10.5;
  edges[100] = 50; // bar 352's frame (bars 100–351) still holds it: 20 is no new high
  edges[352] = 20;
  edges[353] = 20.5; // …bar 353's (bars 101–352) does not: a new high
  edges[150] = 1; // and the same for lows
  edges[402] = 5;
  edges[403] = 4.5;
  histories.push(edges);

  it('gives the rows of features.sql as written, from an unsorted table (sorted by the read)', async () => {
    const conn = await db(histories, 'shuffled');
    const want = await rows(conn, loadSql('features'));
    const got = await scanned(conn, histories.length, false);
    expect(got).toEqual(want);
    expect(want.length).toBe(lengths.reduce((a, n) => a + n, 0) + edges.length);
    for (const col of ['above_sma50', 'above_sma200', 'new_high', 'new_low']) {
      expect(want.some((r) => r[col] === true)).toBe(true);
      expect(want.some((r) => r[col] === false)).toBe(true);
    }
  });

  it('reads a sorted table in its own order, and refuses one that is not sorted instead of misreading it', async () => {
    const conn = await db(histories, 'sorted');
    expect(await scanned(conn, histories.length, true)).toEqual(await rows(conn, loadSql('features')));
    const shuffled = await db(histories, 'shuffled');
    expect(await scanned(shuffled, histories.length, true)).toMatch(/not contiguous|date order/);
  });

  it('refuses a NULL price and a price past the exact sums, so features.sql runs as written', async () => {
    const nulls = await db([[1, 2, 3]], 'sorted');
    await nulls.run('UPDATE px SET adj_close = NULL WHERE adj_close = 2');
    expect(await scanned(nulls, 1, true)).toBe('a NULL price');
    const huge = await db([[1, 5e7, 3]], 'sorted');
    expect(await scanned(huge, 1, true)).toMatch(/exact sums/);
  });

  it('leaves a run larger than the bars it may hold to features.sql as written', async () => {
    const conn = await db(histories.slice(0, 2), 'sorted');
    expect(await readScanBars(conn, 'prices', 2, true, 2)).toMatch(/^3 bars, more than the 2 the scan holds/);
  });

  it('can run again on the same connection (the function is registered once)', async () => {
    const conn = await db(histories.slice(0, 3), 'sorted');
    const first = await scanned(conn, 3, true);
    expect(await scanned(conn, 3, true)).toEqual(first);
  });
});
