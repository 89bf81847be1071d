import { featuresOuterSelect } from '../incremental-sql.ts';
import { loadSql } from '../sql-files.ts';

/**
 * sql/features.sql as the Spark engine runs it: the file's outer SELECT (every feature's definition, unchanged) over
 * its window values `w` computed in linear time (linearWindowsSql), or the file as written when it is not shaped
 * `SELECT … FROM ( … ) w` (featuresOuterSelect). Same rows: the windows are exact DECIMAL sums, MAX and MIN.
 */
export function sparkFeaturesSql(prices = 'prices'): string {
  const outer = featuresOuterSelect(loadSql('features'));
  return outer === null ? loadSql('features') : `${outer}\nFROM (${linearWindowsSql(prices)}) w`;
}

/** Bars per block of the 252-bar MAX / MIN: the frame's length, so a frame spans at most two blocks. */
const BLOCK_BARS = 252;

/**
 * features.sql's subquery `w` (price_dec, prev_adj_close, bar_index, sum50, sum200, max252, min252 of every bar of
 * `prices`: symbol, date, adj_close) without sliding frames. Spark evaluates a sliding frame (`ROWS BETWEEN n
 * PRECEDING AND …`) by re-aggregating the whole frame for every row, O(rows × frame): on 465 symbols × 5 years the
 * four framed aggregates took ~50 of features.sql's ~60 CPU s (measured in local mode). Growing frames (`ROWS
 * UNBOUNDED PRECEDING`) and LAG cost O(rows), so here:
 * - sumN = the symbol's running sum minus its value N bars before (0 before the first bar): exact on DECIMAL(18,6),
 *   and the framed SUM's value also where fewer than N bars exist;
 * - max252 / min252 over the 252 bars before today: the bars are cut into blocks of 252 by bar_index, so the frame
 *   [i-252, i-1] is the tail of one block from bar i-252 (the running MAX in descending date order, read at bar
 *   i-252) plus the head of the next up to bar i-1 (the running MAX in date order, read at bar i-1); GREATEST / LEAST
 *   skip the NULL of a frame that has no bar i-252 yet, as the framed MAX does.
 * The embedded engine takes the same window values from one pass in JavaScript over its sorted bars instead
 * (src/engines/window-scan.ts): on DuckDB this form's cumulative frames cost more than its segment trees (measured in
 * issue 11). Valid in both (features-sql.test.ts compares it with features.sql on DuckDB).
 */
export function linearWindowsSql(prices: string): string {
  const bars = 'PARTITION BY symbol ORDER BY date';
  const block = 'PARTITION BY symbol, block ORDER BY date';
  return `SELECT
    symbol,
    date,
    adj_close,
    price_dec,
    prev_adj_close,
    bar_index,
    running_sum - coalesce(LAG(running_sum, 50) OVER (${bars}), 0) AS sum50,
    running_sum - coalesce(LAG(running_sum, 200) OVER (${bars}), 0) AS sum200,
    greatest(LAG(block_max_from, ${BLOCK_BARS}) OVER (${bars}), LAG(block_max_to, 1) OVER (${bars})) AS max252,
    least(LAG(block_min_from, ${BLOCK_BARS}) OVER (${bars}), LAG(block_min_to, 1) OVER (${bars})) AS min252
  FROM (
    SELECT
      *,
      MAX(price_dec) OVER (${block} ROWS UNBOUNDED PRECEDING) AS block_max_to,
      MIN(price_dec) OVER (${block} ROWS UNBOUNDED PRECEDING) AS block_min_to,
      MAX(price_dec) OVER (${block} DESC ROWS UNBOUNDED PRECEDING) AS block_max_from,
      MIN(price_dec) OVER (${block} DESC ROWS UNBOUNDED PRECEDING) AS block_min_from
    FROM (
      SELECT
        *,
        bar_index - 1 - (bar_index - 1) % ${BLOCK_BARS} AS block
      FROM (
        SELECT
          symbol,
          date,
          adj_close,
          price_dec,
          LAG(adj_close) OVER (${bars}) AS prev_adj_close,
          ROW_NUMBER() OVER (${bars}) AS bar_index,
          SUM(price_dec) OVER (${bars} ROWS UNBOUNDED PRECEDING) AS running_sum
        FROM (SELECT symbol, date, adj_close, CAST(adj_close AS DECIMAL(18, 6)) AS price_dec FROM ${prices}) p
      ) r
    ) b
  ) s`;
}
