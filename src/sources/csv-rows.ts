import { MAX_PRICE } from '../domain/bar.ts';
import { UsageError } from '../util/errors.ts';
import { escapeControl } from '../util/escape.ts';

/**
 * The row rules of a Yahoo-format CSV (`Date,Open,High,Low,Close,Adj Close,Volume`), pure. The embedded engine
 * applies the same rules in SQL for speed (src/engines/duckdb/csv-ingest.ts) and asks these functions to name the
 * rows it rejected, so every message comes from here.
 *
 * A data line is one of:
 *   blank — empty or whitespace only; ignored;
 *   null  — a calendar date with a `null` or empty Close or Adj Close (Yahoo's way of saying "no data"): skipped
 *           and counted, not an error;
 *   bad   — anything else that is not a bar: not as many fields as the header (7 in Yahoo's own), a date that
 *           is not a real calendar date YYYY-MM-DD, a price that is not a positive finite number below MAX_PRICE, a
 *           negative or non-numeric open, high, low or volume, or a date on lines that do not all say the same (all
 *           of them are bad: which one is right cannot be known; the same row twice counts once);
 *   bar   — a row that goes to the lake.
 */
export type CsvLine =
  | { kind: 'blank' }
  | { kind: 'null'; date: string }
  | { kind: 'bad'; problem: string; date?: string }
  | {
      kind: 'bar';
      date: string;
      open: number | null;
      high: number | null;
      low: number | null;
      close: number;
      adjClose: number;
      volume: number | null;
    };

export const CSV_FIELDS = 7;

/** Yahoo's columns, in the order its download gives them (and every row's cells are read as). */
export const CSV_COLUMNS = ['Date', 'Open', 'High', 'Low', 'Close', 'Adj Close', 'Volume'] as const;

/**
 * Where a file keeps each of CSV_COLUMNS: `at[k]` is the field of CSV_COLUMNS[k] in its rows, `fields` how many
 * fields its rows have. Yahoo's own download is STANDARD_LAYOUT; a file saved by another tool may order the columns
 * otherwise or add some (yfinance's `Dividends`, `Stock Splits`), and is read by its header's names.
 */
export interface CsvLayout {
  fields: number;
  at: readonly number[];
}

export const STANDARD_LAYOUT: CsvLayout = { fields: CSV_FIELDS, at: [0, 1, 2, 3, 4, 5, 6] };

export const isStandardLayout = (l: CsvLayout) =>
  l.fields === CSV_FIELDS && l.at.every((field, k) => field === k);

/**
 * The layout a header line names (without its line end or BOM): each of CSV_COLUMNS exactly once, in any order,
 * matched without regard to case or surrounding spaces; other columns are ignored. Null when one is missing or
 * repeated (or a name is quoted): the file cannot be read by its header.
 */
export function csvLayout(header: string): CsvLayout | null {
  const names = header.split(',').map((c) => c.trim().toLowerCase());
  const at: number[] = [];
  for (const column of CSV_COLUMNS) {
    const field = names.indexOf(column.toLowerCase());
    if (field === -1 || names.indexOf(column.toLowerCase(), field + 1) !== -1) return null;
    at.push(field);
  }
  return { fields: names.length, at };
}
const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const NUMBER_SHAPE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** True for `YYYY-MM-DD` naming a real day (2020-02-30 is not one). */
export function isCalendarDate(text: string): boolean {
  if (!DATE_SHAPE.test(text)) return false;
  const t = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === text;
}

/** A cell as it may appear in a message: quoted, control characters escaped. */
export function shown(cell: string): string {
  return `"${escapeControl(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell)}"`;
}

const isNullCell = (cell: string) => cell === '' || cell === 'null';

type Cell = { ok: true; value: number | null } | { ok: false; problem: string };

/** Close / Adj Close: a positive finite number below MAX_PRICE (the lake stores prices as DECIMAL(18,6)). */
function price(name: string, cell: string): Cell {
  if (!NUMBER_SHAPE.test(cell)) return { ok: false, problem: `${name} ${shown(cell)} is not a number` };
  const v = Number(cell);
  if (!Number.isFinite(v)) return { ok: false, problem: `${name} ${shown(cell)} is not finite` };
  if (v <= 0) return { ok: false, problem: `${name} ${cell} is not positive` };
  if (v >= MAX_PRICE) {
    return { ok: false, problem: `${name} ${cell} is beyond the lake's price range (below ${MAX_PRICE})` };
  }
  return { ok: true, value: v };
}

/** Open / High / Low / Volume: null, or a non-negative finite number (below MAX_PRICE for prices). */
function optional(name: string, cell: string, isPrice: boolean): Cell {
  if (isNullCell(cell)) return { ok: true, value: null };
  if (!NUMBER_SHAPE.test(cell)) return { ok: false, problem: `${name} ${shown(cell)} is not a number` };
  const v = Number(cell);
  if (!Number.isFinite(v) || v < 0 || (isPrice && v >= MAX_PRICE)) {
    return { ok: false, problem: `${name} ${cell} is not a non-negative finite number` };
  }
  return { ok: true, value: v };
}

/** Classifies one data line (without its line ending) of a file whose header gave `layout`. */
export function checkCsvLine(line: string, layout: CsvLayout = STANDARD_LAYOUT): CsvLine {
  if (line.trim() === '') return { kind: 'blank' };
  const all = line.split(',').map((c) => c.trim());
  if (all.length !== layout.fields) {
    return { kind: 'bad', problem: `expected ${layout.fields} fields, found ${all.length}` };
  }
  const cells = layout.at.map((field) => all[field]!);
  const [date, openC, highC, lowC, closeC, adjC, volumeC] = cells as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!isCalendarDate(date)) {
    return { kind: 'bad', problem: `date ${shown(date)} is not a calendar date YYYY-MM-DD` };
  }
  if (isNullCell(closeC) || isNullCell(adjC)) return { kind: 'null', date };
  const close = price('close', closeC);
  const adj = price('adj close', adjC);
  const open = optional('open', openC, true);
  const high = optional('high', highC, true);
  const low = optional('low', lowC, true);
  const volume = optional('volume', volumeC, false);
  for (const c of [close, adj, open, high, low, volume]) {
    if (!c.ok) return { kind: 'bad', problem: c.problem, date };
  }
  const v = (c: Cell) => (c.ok ? c.value : null);
  return {
    kind: 'bar',
    date,
    open: v(open),
    high: v(high),
    low: v(low),
    close: v(close)!,
    adjClose: v(adj)!,
    volume: v(volume),
  };
}

/** What `--on-bad-row` accepts: skip bad rows and count them per file (default), or fail the run on any. */
export const BAD_ROW_POLICIES = ['skip', 'fail'] as const;
export type BadRowPolicy = (typeof BAD_ROW_POLICIES)[number];
export const DEFAULT_BAD_ROW_POLICY: BadRowPolicy = 'skip';

export function parseBadRowPolicy(value: string | undefined): BadRowPolicy {
  if (value === undefined) return DEFAULT_BAD_ROW_POLICY;
  if ((BAD_ROW_POLICIES as readonly string[]).includes(value)) return value as BadRowPolicy;
  throw new UsageError(
    `--on-bad-row must be one of ${BAD_ROW_POLICIES.join(', ')}, got ${shown(value)}`,
    'skip drops bad rows and counts them per file; fail stops the run before anything is written',
  );
}
