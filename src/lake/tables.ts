/**
 * Every table of the local lake, in one place. A table is a directory `<workdir>/lake/<name>/`
 * holding Parquet file(s) and a `_meta.json`.
 */
export const TABLE = {
  /** Daily bars, one row per (symbol, date); merged by `writePrices`. */
  prices: 'prices',
  /** Per-symbol, per-day features from `sql/features.sql`. */
  features: 'features',
  /** Per-day breadth counts from `sql/breadth.sql`. */
  breadth: 'breadth',
  /** Breadth rows with the series derived in TypeScript (ratios, EMAs, A/D line). */
  breadthSeries: 'breadth_series',
  /** Signal firings. */
  signals: 'signals',
  /** One row: the symbol list, date range and signal names the `signals` and `breadth_series` tables are for. */
  signalsScope: 'signals_scope',
  backtestSummary: 'backtest_summary',
  backtestForwardReturns: 'backtest_forward_returns',
  backtestTrades: 'backtest_trades',
  backtestEquity: 'backtest_equity',
} as const;

export type TableName = (typeof TABLE)[keyof typeof TABLE];

export const TABLE_NAMES: readonly TableName[] = Object.values(TABLE);

export function isTableName(name: string): name is TableName {
  return (TABLE_NAMES as readonly string[]).includes(name);
}

/** The command that writes each table, for messages about a table that is not there yet. */
export const PRODUCED_BY: Readonly<Record<TableName, string>> = {
  prices: 'bf data fetch',
  features: 'bf signals generate',
  breadth: 'bf signals generate',
  breadth_series: 'bf signals generate',
  signals: 'bf signals generate',
  signals_scope: 'bf signals generate',
  backtest_summary: 'bf backtest run',
  backtest_forward_returns: 'bf backtest run',
  backtest_trades: 'bf backtest run',
  backtest_equity: 'bf backtest run',
};
