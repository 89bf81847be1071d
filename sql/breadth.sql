-- breadth.sql: one row per date from the per-symbol features.
--
-- Runs unchanged on DuckDB and Spark SQL 4 (ANSI mode): one SELECT, no parameters, no engine-specific syntax.
-- Input view : features (the output of features.sql).
-- Output     : one row per date on which at least one symbol has a bar (the union of all symbols' dates), by date.
--
-- Conventions
--   * advancers / decliners / unchanged count direction +1 / -1 / 0 versus each symbol's own previous available
--     bar (no forward fill; a symbol's first bar counts in none of them).
--   * issues = symbols with a bar on the date, first bars included, so issues >= advancers + decliners + unchanged.
--   * with_smaN = symbols whose N-bar SMA is defined (N bars so far: above_smaN is not NULL); above_smaN = those
--     strictly above it.
--   * new_highs / new_lows = symbols above the max / below the min of their previous 252 bars (only symbols with
--     252 previous bars can count).
--   * ew_return = mean of the defined one-bar returns (equal-weight index return), NULL when none. The sum is taken
--     over DECIMAL(38,18) so it is exact and independent of row order and parallelism; the mean is rounded to
--     12 decimals so engines whose decimal-to-double conversions differ in the last bit still agree.
--   * Counts are CAST to BIGINT so both engines return 64-bit integers.
SELECT
  date,
  CAST(SUM(CASE WHEN direction = 1 THEN 1 ELSE 0 END) AS BIGINT) AS advancers,
  CAST(SUM(CASE WHEN direction = -1 THEN 1 ELSE 0 END) AS BIGINT) AS decliners,
  CAST(SUM(CASE WHEN direction = 0 THEN 1 ELSE 0 END) AS BIGINT) AS unchanged,
  CAST(COUNT(*) AS BIGINT) AS issues,
  CAST(SUM(CASE WHEN above_sma50 THEN 1 ELSE 0 END) AS BIGINT) AS above_sma50,
  CAST(SUM(CASE WHEN above_sma50 IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS with_sma50,
  CAST(SUM(CASE WHEN above_sma200 THEN 1 ELSE 0 END) AS BIGINT) AS above_sma200,
  CAST(SUM(CASE WHEN above_sma200 IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS with_sma200,
  CAST(SUM(CASE WHEN new_high THEN 1 ELSE 0 END) AS BIGINT) AS new_highs,
  CAST(SUM(CASE WHEN new_low THEN 1 ELSE 0 END) AS BIGINT) AS new_lows,
  CASE
    WHEN COUNT(ret) > 0 THEN ROUND(CAST(SUM(CAST(ret AS DECIMAL(38, 18))) AS DOUBLE) / COUNT(ret), 12)
  END AS ew_return
FROM features
GROUP BY date
ORDER BY date
