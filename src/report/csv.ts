import type { SignalBacktest } from '../domain/backtest.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent } from '../domain/signal.ts';

/**
 * RFC 4180 CSV with `\n` line ends (one after every record, header included).
 *
 * Number format (one rule for every file): plain decimal notation, never an exponent, rounded to at most
 * 10 decimal places with trailing zeros dropped (`0.1 + 0.2` → `0.3`, `1e-12` → `0`, `1e21` → all digits);
 * `-0` prints as `0`. Null, undefined and non-finite numbers (NaN, ±Infinity) print as an empty field.
 */
export type CsvCell = string | number | null | undefined;

export const CSV_DECIMALS = 10;

const numberFormat = new Intl.NumberFormat('en-US', {
  useGrouping: false,
  maximumFractionDigits: CSV_DECIMALS,
});

export function formatCsvNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  // Integers (most cells: counts) print the same through String, at a fraction of Intl's cost; -0 gives "0".
  if (Number.isSafeInteger(value)) return String(value);
  const text = numberFormat.format(value);
  // Rounding can turn a tiny negative into "-0".
  return text === '-0' ? '0' : text;
}

/** Quotes a field only when it holds a comma, a double quote, CR or LF (RFC 4180 §2.6–2.7). */
export function csvField(cell: CsvCell): string {
  if (typeof cell === 'number') return formatCsvNumber(cell);
  if (cell === null || cell === undefined) return '';
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) {
    if (row.length !== header.length) {
      throw new Error(
        `CSV row has ${row.length} cells but the header has ${header.length} (${header.join(',')})`,
      );
    }
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Builds a CSV from one column → accessor table, so column order and values have a single source of truth. */
function tableCsv<Row, Column extends string>(
  columns: readonly Column[],
  cells: Record<Column, (row: Row) => CsvCell>,
  rows: readonly Row[],
): string {
  return toCsv(
    columns,
    rows.map((row) => columns.map((column) => cells[column](row))),
  );
}

export const BREADTH_COLUMNS = [
  'date',
  'advancers',
  'decliners',
  'unchanged',
  'ad_ratio',
  'zweig_ema10',
  'ad_line',
  'mcclellan_osc',
  'frac_above_sma50',
  'frac_above_sma200',
  'new_highs_252',
  'new_lows_252',
  'issues',
  'ew_return',
] as const;
export type BreadthColumn = (typeof BREADTH_COLUMNS)[number];

const BREADTH_CELLS: Record<BreadthColumn, (row: BreadthSeriesRow) => CsvCell> = {
  date: (r) => r.date,
  advancers: (r) => r.advancers,
  decliners: (r) => r.decliners,
  unchanged: (r) => r.unchanged,
  ad_ratio: (r) => r.adRatio,
  zweig_ema10: (r) => r.zweigEma,
  ad_line: (r) => r.adLine,
  mcclellan_osc: (r) => r.mcclellan,
  frac_above_sma50: (r) => r.fracAboveSma50,
  frac_above_sma200: (r) => r.fracAboveSma200,
  new_highs_252: (r) => r.newHighs,
  new_lows_252: (r) => r.newLows,
  issues: (r) => r.issues,
  ew_return: (r) => r.ewReturn,
};

export function breadthCsv(rows: readonly BreadthSeriesRow[]): string {
  return tableCsv(BREADTH_COLUMNS, BREADTH_CELLS, rows);
}

export const SIGNAL_COLUMNS = ['date', 'signal', 'value'] as const;
export type SignalColumn = (typeof SIGNAL_COLUMNS)[number];

const SIGNAL_CELLS: Record<SignalColumn, (event: SignalEvent) => CsvCell> = {
  date: (e) => e.date,
  signal: (e) => e.signal,
  value: (e) => e.value,
};

export function signalsCsv(events: readonly SignalEvent[]): string {
  return tableCsv(SIGNAL_COLUMNS, SIGNAL_CELLS, events);
}

export const TRADE_COLUMNS = ['signal', 'entry_date', 'exit_date', 'days', 'return'] as const;
export type TradeColumn = (typeof TRADE_COLUMNS)[number];

type TradeRow = SignalBacktest['trades'][number];

const TRADE_CELLS: Record<TradeColumn, (trade: TradeRow) => CsvCell> = {
  signal: (t) => t.signal,
  entry_date: (t) => t.entryDate,
  exit_date: (t) => t.exitDate,
  days: (t) => t.days,
  return: (t) => t.return,
};

/** All trades of all backtests, in the order given (signal by signal, then as each backtest lists them). */
export function tradesCsv(backtests: readonly SignalBacktest[]): string {
  return tableCsv(
    TRADE_COLUMNS,
    TRADE_CELLS,
    backtests.flatMap((bt) => bt.trades),
  );
}

export const FORWARD_RETURN_COLUMNS = ['signal', 'horizon', 'count', 'mean', 'median', 'hit_rate'] as const;
export type ForwardReturnColumn = (typeof FORWARD_RETURN_COLUMNS)[number];

type ForwardReturnRow = SignalBacktest['forwardReturns'][number];

const FORWARD_RETURN_CELLS: Record<ForwardReturnColumn, (row: ForwardReturnRow) => CsvCell> = {
  signal: (f) => f.signal,
  horizon: (f) => f.horizon,
  count: (f) => f.count,
  mean: (f) => f.mean,
  median: (f) => f.median,
  hit_rate: (f) => f.hitRate,
};

export function forwardReturnsCsv(backtests: readonly SignalBacktest[]): string {
  return tableCsv(
    FORWARD_RETURN_COLUMNS,
    FORWARD_RETURN_CELLS,
    backtests.flatMap((bt) => bt.forwardReturns),
  );
}
