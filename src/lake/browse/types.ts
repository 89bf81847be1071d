import type { TableName } from '../tables.ts';

/** One column as DuckDB names its type (`VARCHAR`, `DATE`, `DOUBLE`, `BIGINT`…). */
export interface ColumnInfo {
  name: string;
  type: string;
}

/** What `bf lake ls` prints for one table. */
export interface TableSummary {
  table: TableName;
  rows: number;
  files: number;
  bytes: number;
  /** ISO time of the last write (the embedded lake's `_meta.json`, Delta's last commit). */
  lastWrite: string | null;
  /** From `_meta.json` / `_bf_meta.json`; null when the table has none. */
  source: string | null;
  synthetic: boolean | null;
  /** Delta table version (Spark engine); null on the embedded lake. */
  version: number | null;
  /** `prices` only: the symbols and the first and last date. */
  symbols?: string[];
  dateRange?: { first: string; last: string } | null;
}

export interface ShowOptions {
  /** At most this many rows. */
  limit: number;
  /** A filter expression (guarded: nothing but an expression over the table's columns). */
  where?: string;
  /** Only these columns, in this order (validated against the table). */
  columns?: string[];
}

export type Cell = string | number | boolean | null;

export interface ShowResult {
  table: TableName;
  columns: ColumnInfo[];
  rows: Record<string, Cell>[];
}

/** One version of a table: Delta's commits; the embedded lake keeps only the current one. */
export interface HistoryEntry {
  version: number | null;
  timestamp: string | null;
  operation: string;
  /** Rows in the table after this version (null when the log does not say). */
  rows: number | null;
  files: number | null;
  /** Delta's operation metrics (numOutputRows, numTargetRowsInserted…), as logged. */
  metrics: Record<string, string>;
}

export interface TableCheck {
  table: TableName;
  rows: number;
  files: number;
  /** The first problem found, null when the table is consistent. */
  problem: string | null;
}

/** What an interrupted run left beside the tables (src/lake/browse/leftovers.ts): named, never a verify failure. */
export type LeftoverKind =
  | 'staged-input'
  | 'probe-object'
  | 'staging-dir'
  | 'old-version'
  | 'temp-file'
  | 'spill';

export interface Leftover {
  kind: LeftoverKind;
  /** A directory, a file, or an s3:// prefix or object. */
  location: string;
  /** The run that left it: a Spark run id, or `pid N` of the local process; null when its name does not say. */
  run: string | null;
  /** Files or objects in it. */
  objects: number;
  bytes: number;
  /** Since it was written (the run id's time on S3, the newest file's mtime locally); null when unknown. */
  ageMs: number | null;
}

export interface VerifyReport {
  location: string;
  tables: TableCheck[];
  /** Leftovers of interrupted runs: not part of any table, so they never fail verify. */
  leftovers: Leftover[];
  /** `table: problem` of the first table with one, null when every table is fine. */
  firstProblem: string | null;
}

/** Read-only view of a lake, the same on both engines. */
export interface LakeBrowser {
  readonly engine: 'duckdb' | 'spark';
  /** A directory or an s3:// URL, for messages. */
  readonly location: string;
  list(): Promise<TableSummary[]>;
  show(table: TableName, opts: ShowOptions): Promise<ShowResult>;
  history(table: TableName): Promise<HistoryEntry[]>;
  verify(): Promise<VerifyReport>;
  close(): Promise<void>;
}
