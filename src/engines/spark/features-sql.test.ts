import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { priceWalk as walk } from '../../../test/support/price-walk.ts';
import { loadSql } from '../sql-files.ts';
import { linearWindowsSql, sparkFeaturesSql } from './features-sql.ts';

describe("Spark's features query: sliding frames as running aggregates and blocks = features.sql", () => {
  it('gives features.sql’s rows on histories around every frame length and block edge', async () => {
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    // Lengths around SMA50, SMA200, the 252-bar frame and its blocks (504 = two blocks, 757 = three and a bar).
    const lengths = [1, 2, 49, 50, 51, 199, 200, 201, 252, 253, 254, 503, 504, 505, 757, 1300];
    await db.run('CREATE TABLE px (symbol VARCHAR, date DATE, adj_close DOUBLE)');
    for (const [i, n] of lengths.entries()) {
      const prices = walk(i + 1, n);
      // A flat stretch (the bar leaving the frame ties the max and min), and a fall to a 252-bar low.
      if (n > 600) for (let j = 300; j < 560; j++) prices[j] = 30;
      if (n > 700) prices[700] = 0.1;
      // Bars on every other calendar day from a per-symbol start (gaps, late listings), inserted newest first.
      const values = prices
        .map((p, j) => `('S${i}', DATE '2000-01-01' + ${i * 3 + j * 2}, ${p})`)
        .reverse()
        .join(', ');
      await db.run(`INSERT INTO px VALUES ${values}`);
    }
    await db.run('CREATE VIEW prices AS SELECT * FROM px');
    const read = async (sql: string) =>
      (await db.runAndReadAll(`SELECT * FROM (${sql}) f ORDER BY symbol, date`)).getRowObjectsJS();
    const want = await read(loadSql('features'));
    const got = await read(sparkFeaturesSql());
    expect(sparkFeaturesSql()).toContain(linearWindowsSql('prices'));
    expect(got.length).toBe(lengths.reduce((a, n) => a + n, 0));
    expect(got).toEqual(want);
    // The data reach every feature: SMAs defined and not, 252-bar highs and lows.
    for (const col of ['above_sma50', 'above_sma200', 'new_high', 'new_low']) {
      expect(got.some((r) => r[col] === true)).toBe(true);
      expect(got.some((r) => r[col] === false)).toBe(true);
    }
    db.closeSync();
  });
});
