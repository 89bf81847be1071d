import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { priceWalk as walk } from '../../../test/support/price-walk.ts';
import { FEATURES_LOOKBACK_BARS } from '../incremental-plan.ts';
import {
  featuresOuterSelect,
  newBarWindowsSql,
  nextRunningSql,
  runningLookupSql,
  runningNewSql,
  runningStateSql,
  runningWindowsSql,
} from '../incremental-sql.ts';
import { loadSql } from '../sql-files.ts';

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

  it('one new bar a night from the running state: the window form’s rows, and each night’s state as aggregated afresh', async () => {
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    // symbol → bars: shorter than SMA50, around the look-back, long; T swings up and down on a rising trend (its
    // 252-bar max and min leave the frame, and new highs and lows follow), F is flat for long stretches (the bar
    // leaving the frame ties the max and min).
    const lengths: Record<string, number> = { A: 30, B: 255, C: 360, T: 360, F: 360 };
    await db.run('CREATE TABLE px (symbol VARCHAR, date DATE, adj_close DOUBLE, pos BIGINT)');
    for (const [i, [symbol, n]] of Object.entries(lengths).entries()) {
      let prices = walk(i + 11, n);
      if (symbol === 'T') prices = prices.map((p, j) => p + j / 20 + 12 * Math.sin(j / 25));
      if (symbol === 'F') prices = prices.map((p, j) => (Math.floor(j / 90) % 2 === 0 ? 50 : p));
      const values = prices
        .map((p, j) => `('${symbol}', DATE '2020-01-01' + ${i * 3 + j * 2}, ${p}, ${j + 1})`)
        .join(', ');
      await db.run(`INSERT INTO px VALUES ${values}`);
    }
    await db.run('CREATE VIEW prices AS SELECT symbol, date, adj_close FROM px');
    const order = 'ORDER BY symbol, date';
    const want = (
      await db.runAndReadAll(`SELECT * FROM (${loadSql('features')}) f WHERE bar_index > 1 ${order}`)
    ).getRowObjectsJS();

    // Night 1: the state aggregated from the first bar; each later night adds one bar per symbol that has it, its
    // state from the one before (`chained` keeps every night's: the join picks the state at the bar before).
    await db.run(`CREATE TABLE chained AS ${runningStateSql('(SELECT * FROM px WHERE pos = 1)')}`);
    await db.run(`CREATE TABLE windows AS SELECT * FROM (${newBarWindowsSql('px', 'px')}) LIMIT 0`);
    const nights = Math.max(...Object.values(lengths));
    for (let night = 2; night <= nights; night++) {
      await db.run(
        `CREATE OR REPLACE TABLE run_new AS ${runningNewSql(
          `(SELECT symbol, date, adj_close, pos, 1 AS k FROM px WHERE pos = ${night})`,
          'chained',
        )}`,
      );
      // The stored tails: the last FEATURES_LOOKBACK_BARS bars before the new one.
      await db.run(
        `CREATE OR REPLACE TABLE run_lookup AS ${runningLookupSql(
          `(SELECT * FROM px WHERE pos < ${night} AND pos >= ${night - FEATURES_LOOKBACK_BARS})`,
          'run_new',
        )}`,
      );
      await db.run(`INSERT INTO windows BY NAME ${runningWindowsSql('run_new', 'run_lookup')}`);
      await db.run(`INSERT INTO chained BY NAME ${nextRunningSql('run_new', 'run_lookup')}`);
    }
    const outer = featuresOuterSelect(loadSql('features'))!;
    const got = (
      await db.runAndReadAll(`SELECT * FROM (${outer} FROM windows w) ${order}`)
    ).getRowObjectsJS();
    expect(got.length).toBe(Object.values(lengths).reduce((a, n) => a + n - 1, 0));
    expect(got).toEqual(want);
    expect(got.some((r) => r.above_sma200 !== null)).toBe(true);
    expect(got.filter((r) => r.new_high === true).length, 'new highs').toBeGreaterThan(10);
    expect(got.filter((r) => r.new_low === true).length, 'new lows').toBeGreaterThan(10);
    // tail_start: the date of the first of the last FEATURES_LOOKBACK_BARS bars up to the new bar.
    const starts = await db.runAndReadAll(`SELECT count(*) FROM windows w
      JOIN px ON px.symbol = w.symbol AND px.pos = greatest(w.bar_index - ${FEATURES_LOOKBACK_BARS - 1}, 1)
      WHERE px.date = w.tail_start`);
    expect(Number(starts.getRowsJS()[0]![0])).toBe(got.length);

    // Every night's state, updated from the bars entering and leaving = aggregated from the bars up to that night.
    const fresh = (
      await db.runAndReadAll(
        `SELECT s.* REPLACE (split_part(s.symbol, '#', 1) AS symbol) FROM (${runningStateSql(
          `(SELECT px.symbol || '#' || n.pos AS symbol, px.date, px.adj_close, px.pos FROM px
            JOIN px n ON n.symbol = px.symbol AND px.pos <= n.pos AND px.pos > n.pos - ${FEATURES_LOOKBACK_BARS})`,
        )}) s ORDER BY symbol, pos`,
      )
    ).getRowObjectsJS();
    const chained = (await db.runAndReadAll('SELECT * FROM chained ORDER BY symbol, pos')).getRowObjectsJS();
    expect(chained.length).toBe(got.length + Object.keys(lengths).length);
    expect(chained).toEqual(fresh);
    // The nights reach the cases the state handles apart: the bar leaving the 252-bar frame held its max or min.
    const rescans = await db.runAndReadAll(`SELECT count(*) FROM chained c JOIN chained p
      ON p.symbol = c.symbol AND p.pos = c.pos - 1 WHERE p.leave252 = p.max252 OR p.leave252 = p.min252`);
    expect(Number(rescans.getRowsJS()[0]![0])).toBeGreaterThan(10);
    db.closeSync();
  });

  it('another shape of features.sql is not taken apart: every symbol then takes the features.sql tail', () => {
    expect(featuresOuterSelect('SELECT symbol, date FROM prices')).toBeNull();
    // A subquery without one of the window values the aggregates give.
    expect(featuresOuterSelect('SELECT a FROM (\n  SELECT 1 AS price_dec FROM prices\n) w')).toBeNull();
  });
});
