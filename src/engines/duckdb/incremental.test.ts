import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { FEATURES_LOOKBACK_BARS } from '../incremental-plan.ts';
import { featuresOuterSelect, newBarWindowsSql } from '../incremental-sql.ts';
import { loadSql } from '../sql-files.ts';

/** A seeded random walk on a quarter-dollar grid: equal closes (unchanged, ties at the 252-bar max/min) happen. */
function walk(seed: number, n: number): number[] {
  let s = seed;
  const rand = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  const out: number[] = [];
  let p = 20 + seed;
  for (let i = 0; i < n; i++) {
    p = Math.max(0.25, p + Math.round((rand() - 0.5) * 4) / 4);
    out.push(p);
  }
  return out;
}

describe('new bars of a stored history: aggregates over their own frames = features.sql', () => {
  it('gives the window form’s rows for 1 to 3 new bars, on histories shorter and longer than the look-back', async () => {
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    // symbol → [bars in all, new bars at the end]: shorter than SMA50, between, around 252, long.
    const cases: Record<string, [number, number]> = {
      A: [20, 1],
      B: [120, 2],
      C: [252, 1],
      D: [253, 1],
      E: [254, 3],
      F: [700, 1],
      G: [700, 3],
    };
    await db.run('CREATE TABLE px (symbol VARCHAR, date DATE, adj_close DOUBLE, new BOOLEAN)');
    for (const [i, [symbol, [n, k]]] of Object.entries(cases).entries()) {
      const prices = walk(i + 1, n);
      // A 252-bar high on G's last new bar, a low on E's.
      if (symbol === 'G') prices[n - 1] = Math.max(...prices) + 1;
      if (symbol === 'E') prices[n - 1] = Math.min(...prices) / 2;
      const values = prices
        // Bars on every other calendar day from a per-symbol start: gaps and late listings.
        .map((p, j) => `('${symbol}', DATE '2020-01-01' + ${i * 3 + j * 2}, ${p}, ${j >= n - k})`)
        .join(', ');
      await db.run(`INSERT INTO px VALUES ${values}`);
    }
    await db.run('CREATE VIEW prices AS SELECT symbol, date, adj_close FROM px');
    const order = 'ORDER BY symbol, date';
    const want = (
      await db.runAndReadAll(`SELECT * FROM (${loadSql('features')}) f
        WHERE EXISTS (SELECT 1 FROM px WHERE px.new AND px.symbol = f.symbol AND px.date = f.date) ${order}`)
    ).getRowObjectsJS();

    // The tail as the incremental run reads it: the stored bars' last FEATURES_LOOKBACK_BARS, then the new ones.
    await db.run(`CREATE TABLE tail AS
      WITH r AS (SELECT *, row_number() OVER (PARTITION BY symbol ORDER BY date) AS pos FROM px),
        s AS (SELECT symbol, count(*) FILTER (WHERE NOT new) AS stored, min(date) FILTER (WHERE new) AS keep_from
              FROM px GROUP BY symbol)
      SELECT r.symbol, r.date, r.adj_close, s.keep_from, r.pos FROM r JOIN s USING (symbol)
      WHERE r.pos > s.stored - ${FEATURES_LOOKBACK_BARS}`);
    const outer = featuresOuterSelect(loadSql('features'));
    expect(outer).not.toBeNull();
    const windows = newBarWindowsSql(
      '(SELECT symbol, date, adj_close, pos FROM tail WHERE date >= keep_from)',
      '(SELECT symbol, date, adj_close, pos FROM tail)',
    );
    const got = (
      await db.runAndReadAll(`SELECT * FROM (${outer} FROM (${windows}) w) ${order}`)
    ).getRowObjectsJS();
    expect(got.length).toBe(Object.values(cases).reduce((a, [, k]) => a + k, 0));
    expect(got).toEqual(want);
    // The cases reach every feature: a defined SMA200, a 252-bar high and a low among the new bars.
    expect(got.some((r) => r.above_sma200 !== null)).toBe(true);
    expect(got.some((r) => r.new_high === true)).toBe(true);
    expect(got.some((r) => r.new_low === true)).toBe(true);
    // tail_start: the date of the first of the last FEATURES_LOOKBACK_BARS bars up to each new bar.
    const starts = (
      await db.runAndReadAll(`SELECT w.symbol, w.bar_index, CAST(w.tail_start AS VARCHAR) AS got,
          CAST(t.date AS VARCHAR) AS want
        FROM (${windows}) w JOIN tail t
          ON t.symbol = w.symbol AND t.pos = greatest(w.bar_index - ${FEATURES_LOOKBACK_BARS - 1}, 1)`)
    ).getRowObjectsJS();
    expect(starts.length).toBe(got.length);
    for (const s of starts) expect(s.got, `${s.symbol} bar ${s.bar_index}`).toBe(s.want);
    db.closeSync();
  });

  it('another shape of features.sql is not taken apart: every symbol then takes the features.sql tail', () => {
    expect(featuresOuterSelect('SELECT symbol, date FROM prices')).toBeNull();
    // A subquery without one of the window values the aggregates give.
    expect(featuresOuterSelect('SELECT a FROM (\n  SELECT 1 AS price_dec FROM prices\n) w')).toBeNull();
  });
});
