import type { DailyBar, DateRange } from '../domain/bar.ts';
import type { BreadthDay } from '../domain/breadth.ts';
import type { TableMeta, TableName } from '../lake/index.ts';
import type { CsvLayout } from '../sources/csv-rows.ts';
import { BfError } from '../util/errors.ts';

/** Column types `writeRows` accepts (Spark: STRING, DOUBLE, BIGINT, INT, BOOLEAN, DATE). */
export type ColumnType = 'VARCHAR' | 'DOUBLE' | 'BIGINT' | 'INTEGER' | 'BOOLEAN' | 'DATE';
export interface ColumnSpec {
  /** snake_case column name. */
  name: string;
  type: ColumnType;
}
/** A row of a small table: DATE columns as ISO `YYYY-MM-DD` strings, integers as numbers. */
export type RowValue = string | number | boolean | null;
export type Row = Record<string, RowValue>;

/** An inclusive date range whose bounds are each optional (ISO `YYYY-MM-DD`). */
export interface DateBounds {
  start?: string;
  end?: string;
}

/** Which way `computeBreadth` went, for the run's stderr. */
export type RecomputePath = { incremental: true; summary: string } | { incremental: false; reason: string };

export interface BreadthOptions {
  /** The run's symbol list name: what was stored for another list is never reused. */
  listName?: string;
  /** Recompute everything, even where only a few bars changed since the stored run (`--full`). */
  full?: boolean;
  /** Told which way the call went (engines without an incremental path never call it). */
  onPath?: (path: RecomputePath) => void;
}

/** Lineage of bars written to the lake. */
export interface PricesMeta {
  source: string;
  synthetic: boolean;
}

/** One fetch's bars as `writePrices` merges them: the source is authoritative for its symbols within `range`. */
export interface PricesWrite extends PricesMeta {
  /** The range the source was asked for; default the span of the bars given. */
  range?: DateRange;
  /**
   * Drop the bars of the fetched symbols within `range` that the source no longer has (`--replace`). Default:
   * keep them, and report them.
   */
  replace?: boolean;
  /** ISO time of the fetch, recorded in the per-symbol lineage; default now. */
  fetchedAt?: string;
}

/** Bars of one symbol, within the fetched range, that the lake holds and the source no longer has. */
export interface VanishedBars {
  symbol: string;
  bars: number;
  first: string;
  last: string;
}

/** What a merge into `prices` did, and the table's totals after it. */
export interface PricesWritten {
  rows: number;
  symbols: number;
  /** Bars already in the lake whose values the fetch changed. */
  replaced: number;
  /** Bars new to the lake. */
  added: number;
  vanished: VanishedBars[];
  /** True when the vanished bars were dropped (`replace`), false when they were kept. */
  dropped: boolean;
}

/**
 * What the CLI needs from an engine that turns the lake's prices into daily breadth. Implemented by the embedded
 * DuckDB engine and by the Spark engine; both run the same `sql/features.sql` and `sql/breadth.sql`.
 */
export interface BreadthEngine {
  /** Short engine name for logs and reports: `duckdb`, `spark`. */
  readonly name: string;
  /**
   * Daily breadth over `symbols` (all symbols in the lake when omitted) and the bars within `range` (each bound
   * when given), ordered by date: bars outside the run's scope do not exist for it, so the result equals what a
   * lake holding only the run's bars would give. Also stores the `features` and `breadth` tables. Throws BfError
   * when the lake has no prices or some symbols are absent.
   */
  computeBreadth(
    symbols?: readonly string[],
    range?: DateBounds,
    opts?: BreadthOptions,
  ): Promise<BreadthDay[]>;
  close(): Promise<void>;
}

/**
 * What the pipeline stages need from an engine and its lake: the embedded engine keeps the lake as local Parquet,
 * the Spark engine as Delta tables on the S3 store. Both store the same tables (TABLE) with the same columns.
 */
/** One table for `writeTables`. */
export interface TableWrite {
  table: TableName;
  rows: readonly Row[];
  columns: readonly ColumnSpec[];
  meta?: Partial<PricesMeta>;
  /**
   * The rows come in a stable order and a later run's rows extend an earlier run's (breadth_series, by date): when
   * the stored version's rows are exactly the first of `rows` (by their digest, src/engines/rows-digest.ts), an
   * engine may keep its files and write only the rest. Otherwise, or without this, the table is rewritten.
   */
  appendable?: boolean;
}

/**
 * One file of a `csv:DIR` load. The engine reads it and checks its bytes (src/sources/csv.ts `checkCsvBytes`) as it
 * reads it: a file that fails is in the counts with its `failure`, and nothing of it is read.
 */
export interface CsvFileIn {
  symbol: string;
  path: string;
  /**
   * true: the caller proved the file's rows in date order with no date repeated (src/sources/csv.ts
   * `datesAscending`), so the engine skips the repeated-date check; false: not in order (the embedded engine reads
   * it by SQL); absent: the engine finds out from the bytes it reads.
   */
  ordered?: boolean;
  /**
   * Where its header puts each of Yahoo's columns (src/sources/csv-rows.ts), when the caller knows: the engine then
   * reads it by SQL. Absent: the engine finds out from the header.
   */
  layout?: CsvLayout;
}

/** Per file: bars in range that would be written, null rows, bad rows (repeated dates included), good-row span. */
export interface CsvFileCounts {
  symbol: string;
  path: string;
  bars: number;
  nullRows: number;
  badRows: number;
  first: string | null;
  last: string | null;
  /** Why the file cannot be used (unreadable, not UTF-8 text, no Yahoo header…): all counts 0, no bars written. */
  failure?: string;
}

export interface CsvLoadRequest {
  files: readonly CsvFileIn[];
  range: DateRange;
  meta: PricesWrite;
  /**
   * Sees every file's counts before anything is written; returns the indexes of the files to write, or throws to
   * write nothing (e.g. `--on-bad-row fail`).
   */
  judge(counts: readonly CsvFileCounts[]): Promise<number[]>;
}

export interface LakeEngine extends BreadthEngine {
  /**
   * The embedded engine reads `csv:DIR` itself (plain files straight into column chunks, the others checked in SQL)
   * by the rules of src/sources/csv-rows.ts and merges the bars into `prices` like `writePrices`. Engines without it
   * get the bars from the source's `fetch`.
   */
  loadCsvPrices?(req: CsvLoadRequest): Promise<{ written: PricesWritten; counts: CsvFileCounts[] }>;
  /**
   * Merges bars into `prices` keyed by (symbol, date) and records the fetch in the per-symbol lineage
   * (src/lake/lineage.ts). Bars of the fetched symbols within `write.range` that the fetch did not deliver are
   * kept, or dropped with `write.replace`; either way they are returned.
   */
  writePrices(bars: readonly DailyBar[], write: PricesWrite): Promise<PricesWritten>;
  /** Replaces a small table (signals, breadth series, backtest outputs) with `rows`. */
  writeRows(
    table: TableName,
    rows: readonly Row[],
    columns: readonly ColumnSpec[],
    meta?: Partial<PricesMeta>,
  ): Promise<unknown>;
  readRows(table: TableName): Promise<Row[]>;
  /**
   * Several `writeRows` at once, each table its own atomic replacement, in order. One call on purpose: the Spark
   * engine runs it as ONE job (one JVM start, ~10 s+) instead of one job per table.
   */
  writeTables(writes: readonly TableWrite[]): Promise<unknown>;
  /** The lineage (source, synthetic flag, symbols), or null when it does not exist. */
  readMeta(table: TableName): TableMeta | null | Promise<TableMeta | null>;
}

/** The `prices` table's columns, as both engines store and stage them. */
export const PRICE_COLUMNS: readonly ColumnSpec[] = [
  { name: 'symbol', type: 'VARCHAR' },
  { name: 'date', type: 'DATE' },
  { name: 'open', type: 'DOUBLE' },
  { name: 'high', type: 'DOUBLE' },
  { name: 'low', type: 'DOUBLE' },
  { name: 'close', type: 'DOUBLE' },
  { name: 'adj_close', type: 'DOUBLE' },
  { name: 'volume', type: 'DOUBLE' },
];

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Column names go into SQL on both engines: only plain snake_case identifiers are accepted. */
export function checkColumns(table: string, columns: readonly ColumnSpec[]): void {
  if (columns.length === 0) throw new BfError(`writeRows(${table}): no columns given`);
  for (const c of columns) {
    if (!IDENTIFIER.test(c.name))
      throw new BfError(`writeRows(${table}): bad column name ${JSON.stringify(c.name)}`);
  }
}

/** A row of the `breadth` table (snake_case, as sql/breadth.sql names it) as a domain BreadthDay. */
export function breadthDayFromRow(r: Record<string, unknown>): BreadthDay {
  const n = (k: string) => Number(r[k] ?? 0);
  const ew = r.ew_return;
  return {
    date: String(r.date),
    advancers: n('advancers'),
    decliners: n('decliners'),
    unchanged: n('unchanged'),
    issues: n('issues'),
    aboveSma50: n('above_sma50'),
    withSma50: n('with_sma50'),
    aboveSma200: n('above_sma200'),
    withSma200: n('with_sma200'),
    newHighs: n('new_highs'),
    newLows: n('new_lows'),
    ewReturn: ew === null || ew === undefined ? null : Number(ew),
  };
}
