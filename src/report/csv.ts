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

/**
 * The number rule above, from the shortest decimal that reads back as the same double (`String(value)`, which is
 * what `Intl.NumberFormat` rounds too), rounded half away from zero in decimal. Byte for byte what
 * `Intl.NumberFormat('en-US', { useGrouping: false, maximumFractionDigits: 10 })` prints (csv.test.ts compares
 * them on millions of doubles), without its cost: creating one loads ICU's number data, ~18 ms of every bf
 * process's start, and each call is a third slower than this.
 */
export function formatCsvNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  // Integers (most cells: counts) print as they are; -0 gives "0".
  if (Number.isSafeInteger(value)) return String(value);
  const negative = value < 0;
  const text = String(negative ? -value : value);
  let whole: string;
  let fraction: string;
  const e = text.indexOf('e');
  if (e === -1) {
    const dot = text.indexOf('.');
    // Already at most CSV_DECIMALS places (the shortest form has no trailing zeros).
    if (dot === -1 || text.length - dot - 1 <= CSV_DECIMALS) return negative ? `-${text}` : text;
    whole = text.slice(0, dot);
    fraction = text.slice(dot + 1);
  } else {
    // d.ddde±N: the digits, and where the decimal point goes among them.
    const mantissa = text.slice(0, e);
    const dot = mantissa.indexOf('.');
    const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
    const point = (dot === -1 ? mantissa.length : dot) + Number(text.slice(e + 1));
    // The first digit two or more places past the last one kept: less than half a unit, rounds to 0.
    if (point < -CSV_DECIMALS) return '0';
    if (point >= digits.length) {
      const all = digits + '0'.repeat(point - digits.length);
      return negative ? `-${all}` : all;
    }
    whole = point <= 0 ? '0' : digits.slice(0, point);
    fraction = point <= 0 ? '0'.repeat(-point) + digits : digits.slice(point);
  }
  let body: string;
  if (fraction.length <= CSV_DECIMALS) body = `${whole}.${fraction}`;
  else if (fraction.charCodeAt(CSV_DECIMALS) < DIGIT_5) {
    // Rounds down: drop the rest and the trailing zeros.
    let end = CSV_DECIMALS;
    while (end > 0 && fraction.charCodeAt(end - 1) === DIGIT_0) end--;
    body = end > 0 ? `${whole}.${fraction.slice(0, end)}` : whole;
  } else {
    // Rounds up: the last kept digit that is not a 9 goes up, the 9s after it become trailing zeros (dropped).
    let end = CSV_DECIMALS;
    while (end > 0 && fraction.charCodeAt(end - 1) === DIGIT_9) end--;
    if (end > 0) {
      body = `${whole}.${fraction.slice(0, end - 1)}${String.fromCharCode(fraction.charCodeAt(end - 1) + 1)}`;
    } else {
      // All ten are 9s: carry into the whole part.
      let i = whole.length;
      while (i > 0 && whole.charCodeAt(i - 1) === DIGIT_9) i--;
      const zeros = '0'.repeat(whole.length - i);
      body =
        i > 0
          ? `${whole.slice(0, i - 1)}${String.fromCharCode(whole.charCodeAt(i - 1) + 1)}${zeros}`
          : `1${zeros}`;
    }
  }
  // Rounding can turn a tiny negative into "-0".
  if (body === '0') return '0';
  return negative ? `-${body}` : body;
}

const DIGIT_0 = 48;
const DIGIT_5 = 53;
const DIGIT_9 = 57;

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
