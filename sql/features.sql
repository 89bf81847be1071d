-- features.sql: per-symbol, per-day features for breadth.
--
-- Runs unchanged on DuckDB and Spark SQL 4 (ANSI mode): one SELECT, no parameters, no engine-specific syntax.
-- Input view : prices(symbol STRING, date DATE, adj_close DOUBLE, ...) — one row per (symbol, date); the engine
--              defines it, already filtered to the requested symbols.
-- Output     : one row per (symbol, date) of the input; no row order is promised (consumers sort).
--              Only what is read downstream (sql/breadth.sql; adj_close and bar_index for the incremental runs'
--              tails): every extra column costs the `features` write on every full run.
--
-- Conventions
--   * "Previous bar" = the symbol's previous available row by date. Gaps are NOT forward-filled: a symbol with no
--     bar on a date contributes nothing that day, and its next bar compares with its last one before the gap.
--   * ret / direction are NULL on a symbol's first bar (a first bar is neither up nor down).
--     ret = adj_close / prev_adj_close - 1 (NULL when prev_adj_close <= 0, which ANSI division would reject).
--     direction = +1 if adj_close > prev, -1 if <, 0 if equal: exact IEEE comparison of the doubles.
--   * bar_index = 1-based position of the bar in the symbol's own history (BIGINT on both engines).
--   * price_dec = adj_close rounded to 1e-6 (DECIMAL(18,6)): exact and order-independent on every engine, and
--     cheaper in DuckDB's framed aggregates than DOUBLE (an int64 underneath).
--   * above_smaN: price_dec * N > the sum of the symbol's last N prices including today (N = 50, 200), strict, summed
--     exactly as decimals; NULL until N bars exist (so "the SMA is defined" = above_smaN IS NOT NULL). The product is
--     taken as DECIMAL(38,6), the sums' type: N times a price near the lake's limit (1e12) overflows DECIMAL(18,6).
--   * new_high / new_low: price_dec strictly above the MAX / below the MIN of the prices of the symbol's previous 252
--     bars (today excluded). NULL until 252 previous bars exist (i.e. from the 253rd bar on), so a young listing
--     never counts as a new high or low.
SELECT
  symbol,
  date,
  adj_close,
  CASE WHEN prev_adj_close > 0 THEN adj_close / prev_adj_close - 1 END AS ret,
  CASE
    WHEN prev_adj_close IS NULL THEN CAST(NULL AS INT)
    WHEN adj_close > prev_adj_close THEN 1
    WHEN adj_close < prev_adj_close THEN -1
    ELSE 0
  END AS direction,
  CAST(bar_index AS BIGINT) AS bar_index,
  CASE WHEN bar_index >= 50 THEN CAST(price_dec AS DECIMAL(38, 6)) * 50 > sum50 END AS above_sma50,
  CASE WHEN bar_index >= 200 THEN CAST(price_dec AS DECIMAL(38, 6)) * 200 > sum200 END AS above_sma200,
  CASE WHEN bar_index > 252 THEN price_dec > max252 END AS new_high,
  CASE WHEN bar_index > 252 THEN price_dec < min252 END AS new_low
FROM (
  SELECT
    symbol,
    date,
    adj_close,
    price_dec,
    LAG(adj_close) OVER (PARTITION BY symbol ORDER BY date) AS prev_adj_close,
    ROW_NUMBER() OVER (PARTITION BY symbol ORDER BY date) AS bar_index,
    SUM(price_dec) OVER (PARTITION BY symbol ORDER BY date ROWS BETWEEN 49 PRECEDING AND CURRENT ROW) AS sum50,
    SUM(price_dec) OVER (PARTITION BY symbol ORDER BY date ROWS BETWEEN 199 PRECEDING AND CURRENT ROW) AS sum200,
    MAX(price_dec) OVER (PARTITION BY symbol ORDER BY date ROWS BETWEEN 252 PRECEDING AND 1 PRECEDING) AS max252,
    MIN(price_dec) OVER (PARTITION BY symbol ORDER BY date ROWS BETWEEN 252 PRECEDING AND 1 PRECEDING) AS min252
  FROM (
    SELECT symbol, date, adj_close, CAST(adj_close AS DECIMAL(18, 6)) AS price_dec
    FROM prices
  ) p
) w
