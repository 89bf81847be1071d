import { createHash } from 'node:crypto';
import { FEATURES_LOOKBACK_BARS, type SymbolState } from './incremental-plan.ts';
import { loadSql } from './sql-files.ts';

/**
 * The SQL of an incremental run (issue 11 §3; the rule is in ./incremental-plan.ts) that both engines run, as
 * sql/features.sql and sql/breadth.sql are: one text, valid in DuckDB and in Spark SQL 4 (ANSI mode), built over
 * relations each engine names (a Parquet scan, a temp table, a Delta table). Pure: no I/O besides reading sql/.
 * Engine-neutral on purpose: `CAST(… AS STRING)`, `max_by`, `any_value`, aggregate `FILTER (WHERE …)`, explicit
 * GROUP BY; no `GROUP BY ALL`, `* REPLACE`, `arg_max` or double-quoted identifiers.
 */

/** Fingerprint of the SQL both paths run: another definition invalidates the stored state. */
export function sqlFingerprint(): string {
  return createHash('sha256')
    .update(loadSql('features'))
    .update('\0')
    .update(loadSql('breadth'))
    .digest('hex')
    .slice(0, 16);
}

/**
 * features.sql's outer SELECT (the feature expressions over the window values of its subquery `w`), or null when
 * the file is not shaped `SELECT … FROM ( … ) w`: then every symbol takes the features.sql tail.
 */
export function featuresOuterSelect(sql: string): string | null {
  const code = sql.replace(/--[^\n]*/g, '');
  const m = /^\s*(SELECT\b[\s\S]*?)^FROM \($([\s\S]*)^\) w\s*$/m.exec(code);
  if (!m) return null;
  // The subquery must define exactly the window values newBarWindowsSql gives.
  for (const name of WINDOW_VALUES) if (!new RegExp(`\\bAS ${name}\\b`).test(m[2]!)) return null;
  return m[1]!.trimEnd();
}

/** The columns of features.sql's subquery `w`, in the form newBarWindowsSql computes them. */
const WINDOW_VALUES = ['price_dec', 'prev_adj_close', 'bar_index', 'sum50', 'sum200', 'max252', 'min252'];

/**
 * The window values of features.sql's subquery `w` for the bars of `newBars` (symbol, date, adj_close, pos =
 * absolute bar_index), as aggregates over each new bar's own frame in `history` (symbol, date, adj_close, pos: at
 * least each symbol's FEATURES_LOOKBACK_BARS bars before its first new bar, and the new bars) instead of window
 * functions over every bar of the tail: a nightly run needs one row per symbol, not 253. The frames are
 * features.sql's: LAG = the bar before; SUM over the last 50 / 200 bars including today and MAX / MIN over the 252
 * bars before today, all on DECIMAL(18,6) (exact). Byte-identical to the window form (duckdb/incremental.test.ts,
 * test/e2e/incremental.test.ts, test/stack/spark-incremental.test.ts). Also `tail_start`: the date of the first of
 * the last FEATURES_LOOKBACK_BARS bars up to the new bar (SymbolState.tailStart once it is the symbol's last bar).
 * Grouped by the new bar's key alone (symbol, pos), its other columns carried: the hash of one string and one
 * BIGINT over the ~680,000 (new bar, earlier bar) pairs a nightly run at 3,000 symbols would join. A nightly run
 * takes the running state instead (runningWindowsSql); this form serves the runs of several new bars per symbol.
 */
export function newBarWindowsSql(newBars: string, history: string): string {
  const dec = (col: string) => `CAST(${col} AS DECIMAL(18, 6))`;
  return `SELECT n.symbol, any_value(n.date) AS date, any_value(n.adj_close) AS adj_close,
    ${dec('any_value(n.adj_close)')} AS price_dec,
    max_by(h.adj_close, h.pos) FILTER (WHERE h.pos < n.pos) AS prev_adj_close,
    n.pos AS bar_index,
    sum(${dec('h.adj_close')}) FILTER (WHERE h.pos > n.pos - 50) AS sum50,
    sum(${dec('h.adj_close')}) FILTER (WHERE h.pos > n.pos - 200) AS sum200,
    max(${dec('h.adj_close')}) FILTER (WHERE h.pos < n.pos) AS max252,
    min(${dec('h.adj_close')}) FILTER (WHERE h.pos < n.pos) AS min252,
    min(h.date) FILTER (WHERE h.pos > n.pos - ${FEATURES_LOOKBACK_BARS}) AS tail_start
  FROM ${newBars} n JOIN ${history} h
    ON h.symbol = n.symbol AND h.pos BETWEEN n.pos - ${FEATURES_LOOKBACK_BARS} AND n.pos
  GROUP BY n.symbol, n.pos`;
}

/**
 * The new bars of the symbols taking new days (`recompute`: symbol, keep_from, fast, bars) with their absolute
 * bar_index as `pos` (the stored bars' count plus their rank) and `k`, their symbol's count of new bars. `prices` (symbol, date, adj_close) is already the
 * run's scope from the earliest new bar on.
 */
export function newBarsSql(prices: string, recompute: string): string {
  return `SELECT p.symbol, p.date, p.adj_close,
      c.bars + row_number() OVER (PARTITION BY p.symbol ORDER BY p.date) AS pos,
      count(*) OVER (PARTITION BY p.symbol) AS k
    FROM ${prices} p
    JOIN ${recompute} c ON p.symbol = c.symbol AND c.fast AND p.date >= c.keep_from`;
}

/**
 * Each symbol's state after its new bars (the first date stays the stored one), from newBarWindowsSql's rows; also
 * how many new bars it has and the first one's date.
 */
export function windowsStateSql(windows: string): string {
  return `SELECT symbol, max(bar_index) AS bars, CAST(max(date) AS STRING) AS last,
      CAST(max_by(tail_start, bar_index) AS STRING) AS tail_start,
      count(*) AS new_bars, CAST(min(date) AS STRING) AS first_new
    FROM ${windows} GROUP BY symbol`;
}

/** Per symbol of some features rows (bar_index absolute): its bars and first date. */
export function symbolBarsSql(features: string): string {
  return `SELECT symbol, max(bar_index) AS bars, min(date) AS first FROM ${features} GROUP BY symbol`;
}

/** The tails (symbol, date, adj_close, pos): each symbol's last FEATURES_LOOKBACK_BARS features rows. */
export function tailOfFeaturesSql(features: string, symbolBars: string): string {
  return `SELECT f.symbol, f.date, f.adj_close, f.bar_index AS pos FROM ${features} f
    JOIN ${symbolBars} s ON f.symbol = s.symbol AND f.bar_index > s.bars - ${FEATURES_LOOKBACK_BARS}`;
}

/** Each symbol's SymbolState row (statsFromRows) from its bars and its tail. */
export function tailStatsSql(symbolBars: string, tail: string): string {
  return `SELECT s.symbol, s.bars, CAST(s.first AS STRING) AS first,
      CAST(max(t.date) AS STRING) AS last, CAST(min(t.date) AS STRING) AS tail_start
    FROM ${symbolBars} s JOIN ${tail} t ON t.symbol = s.symbol GROUP BY s.symbol, s.bars, s.first`;
}

/**
 * The tails as a reader sees them, from stored tails that may hold more than the last FEATURES_LOOKBACK_BARS bars
 * of a symbol (IncrementalState.tails): each symbol's last ones by pos.
 */
export function trimmedTailsSql(all: string): string {
  return `(SELECT t.symbol, t.date, t.adj_close, t.pos FROM ${all} t
    JOIN (SELECT symbol, max(pos) AS bars FROM ${all} GROUP BY symbol) s
      ON t.symbol = s.symbol AND t.pos > s.bars - ${FEATURES_LOOKBACK_BARS})`;
}

/** Of the re-aggregated breadth days: how many, and how many the stored breadth lacks (the run's new days). */
export function breadthTailCountsSql(tail: string, stored: string): string {
  return `SELECT count(*) AS days, sum(CASE WHEN b.date IS NULL THEN 1 ELSE 0 END) AS fresh
    FROM ${tail} t LEFT JOIN (SELECT DISTINCT date FROM ${stored}) b ON t.date = b.date`;
}

/** SymbolState by symbol from tailStatsSql's rows (or windowsStateSql's with `first`). */
export function statsFromRows(rows: Record<string, unknown>[]): Record<string, SymbolState> {
  const out: Record<string, SymbolState> = {};
  for (const r of rows) {
    out[String(r.symbol)] = {
      bars: Number(r.bars),
      first: String(r.first),
      last: String(r.last),
      tailStart: String(r.tail_start),
    };
  }
  return out;
}

/**
 * The running state's columns: per symbol, at its last bar `pos`, what the next bar's window values need without
 * re-aggregating its frames (runningWindowsSql) — the last close; the sums of the last 49 and 199 prices (the next
 * bar's SMA50/SMA200 sums less the bar itself; nulls count 0); the max/min of the last 252 prices (the next bar's
 * 252-bar frame); and `leave252`, the price of the first of those 252 bars, which leaves that frame with the next
 * bar (null when the symbol has fewer bars).
 */
export const RUNNING_COLUMNS = 'symbol, pos, adj_close, sum49, sum199, max252, min252, leave252';

const dec = (col: string) => `CAST(${col} AS DECIMAL(18, 6))`;
/** The sums' type: DuckDB's SUM of DECIMAL(18, 6), as features.sql's windows give it. */
const sumDec = (expr: string) => `CAST(${expr} AS DECIMAL(38, 6))`;

/**
 * The running state of each symbol of `history` (symbol, date, adj_close, pos: at least each symbol's last
 * FEATURES_LOOKBACK_BARS bars, older ones ignored) at its last bar, aggregated from its bars.
 */
export function runningStateSql(history: string): string {
  return `SELECT h.symbol, s.last AS pos,
    any_value(h.adj_close) FILTER (WHERE h.pos = s.last) AS adj_close,
    ${sumDec(`coalesce(sum(${dec('h.adj_close')}) FILTER (WHERE h.pos > s.last - 49), 0)`)} AS sum49,
    ${sumDec(`coalesce(sum(${dec('h.adj_close')}) FILTER (WHERE h.pos > s.last - 199), 0)`)} AS sum199,
    max(${dec('h.adj_close')}) AS max252,
    min(${dec('h.adj_close')}) AS min252,
    any_value(${dec('h.adj_close')}) FILTER (WHERE h.pos = s.last - ${FEATURES_LOOKBACK_BARS - 1}) AS leave252
  FROM ${history} h JOIN (SELECT symbol, max(pos) AS last FROM ${history} GROUP BY symbol) s
    ON h.symbol = s.symbol AND h.pos > s.last - ${FEATURES_LOOKBACK_BARS}
  GROUP BY h.symbol, s.last`;
}

/**
 * The new bars of `newBars` (symbol, date, adj_close, pos, k = the symbol's count of new bars) that follow their
 * symbol's running state in `running` directly, one new bar per symbol, with that state; `rescan` when the bar
 * leaving the 252-bar frame holds its max or min (the next max/min then comes from the frame's other bars).
 */
export function runningNewSql(newBars: string, running: string): string {
  return `SELECT n.symbol, n.date, n.adj_close, n.pos, r.adj_close AS last_close, r.sum49, r.sum199,
    r.max252, r.min252, r.leave252 IS NOT NULL AND (r.leave252 = r.max252 OR r.leave252 = r.min252) AS rescan
  FROM ${newBars} n JOIN ${running} r ON r.symbol = n.symbol AND r.pos = n.pos - 1
  WHERE n.k = 1`;
}

/**
 * What the running step needs from the stored bars (`tails`: symbol, date, adj_close, pos; each symbol's last
 * FEATURES_LOOKBACK_BARS bars before its new bar, older ones ignored) for each bar of `runNew` (runningNewSql):
 * the prices leaving the 49/199-bar sums, the next `leave252`, the date the new bar's last 252 bars start at
 * (SymbolState.tailStart), and for a `rescan` the max/min of the frame's other 251 bars. One pass over the tails
 * joined on the symbol, keeping 3 rows per symbol (252 for a rescan, a few symbols a day).
 */
export function runningLookupSql(tails: string, runNew: string): string {
  const back = FEATURES_LOOKBACK_BARS - 1;
  return `SELECT r.symbol,
    any_value(${dec('t.adj_close')}) FILTER (WHERE t.pos = r.pos - 49) AS out49,
    any_value(${dec('t.adj_close')}) FILTER (WHERE t.pos = r.pos - 199) AS out199,
    any_value(${dec('t.adj_close')}) FILTER (WHERE t.pos = r.pos - ${back}) AS leave252,
    any_value(t.date) FILTER (WHERE t.pos = greatest(r.pos - ${back}, 1)) AS tail_start,
    max(${dec('t.adj_close')}) FILTER (WHERE r.rescan AND t.pos >= r.pos - ${back}) AS rest_max,
    min(${dec('t.adj_close')}) FILTER (WHERE r.rescan AND t.pos >= r.pos - ${back}) AS rest_min
  FROM ${tails} t JOIN ${runNew} r ON t.symbol = r.symbol
    AND (t.pos IN (r.pos - 49, r.pos - 199, greatest(r.pos - ${back}, 1)) OR (r.rescan AND t.pos >= r.pos - ${back}))
  GROUP BY r.symbol`;
}

/**
 * features.sql's window values (as newBarWindowsSql gives them) of the bars of `runNew` from their running state
 * and `lookup` (runningLookupSql): the previous close, the sums plus the new price, the stored max/min (the frame
 * of the new bar is the state's 252 bars). Exact: the sums are DECIMAL, as the windows sum them.
 */
export function runningWindowsSql(runNew: string, lookup: string): string {
  return `SELECT r.symbol, r.date, r.adj_close, ${dec('r.adj_close')} AS price_dec, r.last_close AS prev_adj_close,
    r.pos AS bar_index,
    r.sum49 + coalesce(${dec('r.adj_close')}, 0) AS sum50,
    r.sum199 + coalesce(${dec('r.adj_close')}, 0) AS sum200,
    r.max252, r.min252, o.tail_start
  FROM ${runNew} r JOIN ${lookup} o USING (symbol)`;
}

/** The running state after the bars of `runNew`: each sum gains the new price and loses the one leaving it. */
export function nextRunningSql(runNew: string, lookup: string): string {
  const p = dec('r.adj_close');
  return `SELECT r.symbol, r.pos, r.adj_close,
    ${sumDec(`r.sum49 + coalesce(${p}, 0) - coalesce(o.out49, 0)`)} AS sum49,
    ${sumDec(`r.sum199 + coalesce(${p}, 0) - coalesce(o.out199, 0)`)} AS sum199,
    greatest(CASE WHEN r.rescan THEN o.rest_max ELSE r.max252 END, ${p}) AS max252,
    least(CASE WHEN r.rescan THEN o.rest_min ELSE r.min252 END, ${p}) AS min252,
    o.leave252
  FROM ${runNew} r JOIN ${lookup} o USING (symbol)`;
}
