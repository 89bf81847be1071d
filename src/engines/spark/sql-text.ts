import type { ColumnSpec } from '../engine.ts';

/**
 * Spark SQL text of the Spark engine's operations (pure: no I/O). Every table is a path-based Delta table
 * (delta.`s3a://bucket/lake/<table>`), so the Thrift server's metastore holds nothing of bf's.
 */

/** A Spark SQL string literal: backslash escapes are on in Spark's default parser. */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** delta.`<path>` with backticks doubled. */
export function deltaRef(path: string): string {
  return `delta.\`${path.replace(/`/g, '``')}\``;
}

const SPARK_TYPES: Record<ColumnSpec['type'], string> = {
  VARCHAR: 'STRING',
  DOUBLE: 'DOUBLE',
  BIGINT: 'BIGINT',
  INTEGER: 'INT',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
};

export function columnList(columns: readonly ColumnSpec[]): string {
  return columns.map((c) => `${c.name} ${SPARK_TYPES[c.type]}`).join(', ');
}

/** A temp view over staged NDJSON read with an explicit schema (exact doubles, typed dates, malformed = error). */
export function ndjsonView(view: string, input: string, columns: readonly ColumnSpec[]): string {
  return (
    `CREATE OR REPLACE TEMPORARY VIEW ${view} (${columnList(columns)}) USING json ` +
    `OPTIONS (path ${sqlString(input)}, mode 'FAILFAST', dateFormat 'yyyy-MM-dd')`
  );
}

/** Replaces the Delta table at `path` with the query's rows and schema, in one atomic commit. */
export function replaceTableAs(path: string, query: string): string {
  return `CREATE OR REPLACE TABLE ${deltaRef(path)} USING delta AS ${query}`;
}

export function createTableAs(path: string, query: string): string {
  return `CREATE TABLE ${deltaRef(path)} USING delta AS ${query}`;
}

/** An empty Delta table with these columns (replacing any table at `path`). */
export function replaceEmptyTable(path: string, columns: readonly ColumnSpec[]): string {
  return `CREATE OR REPLACE TABLE ${deltaRef(path)} (${columnList(columns)}) USING delta`;
}

/** Version and operation metrics of the table's latest commit (a Delta log read, no data scan). */
export function lastCommit(path: string): string {
  return `DESCRIBE HISTORY ${deltaRef(path)} LIMIT 1`;
}

/** Rows per symbol: the total row count and the symbol list in one scan. */
export function symbolCounts(path: string): string {
  return `SELECT symbol, count(*) AS n FROM ${deltaRef(path)} GROUP BY symbol`;
}

/** The `prices` view the shared SQL reads: the Delta table, filtered to the symbols when given. */
export function pricesView(path: string, symbols: readonly string[] | null): string {
  const where = symbols === null ? '' : ` WHERE symbol IN (${symbols.map(sqlString).join(', ')})`;
  return `CREATE OR REPLACE TEMPORARY VIEW prices AS SELECT * FROM ${deltaRef(path)}${where}`;
}

export function tableView(view: string, path: string): string {
  return `CREATE OR REPLACE TEMPORARY VIEW ${view} AS SELECT * FROM ${deltaRef(path)}`;
}

export const PRICE_VALUE_COLUMNS = ['open', 'high', 'low', 'close', 'adj_close', 'volume'] as const;

/** Staged bars that are new or differ in any value (null-safe) from the table's: when none, nothing is merged. */
export function changedBars(path: string, incoming: string): string {
  const same = PRICE_VALUE_COLUMNS.map((c) => `i.${c} <=> e.${c}`).join(' AND ');
  return (
    `SELECT count(*) AS n FROM ${incoming} i LEFT JOIN ${deltaRef(path)} e ` +
    `ON i.symbol = e.symbol AND i.date = e.date WHERE e.adj_close IS NULL OR NOT (${same})`
  );
}

/** MERGE keyed by (symbol, date): changed rows updated, new rows inserted, identical rows untouched. */
export function mergeBars(path: string, incoming: string): string {
  const differs = PRICE_VALUE_COLUMNS.map((c) => `NOT (t.${c} <=> s.${c})`).join(' OR ');
  return (
    `MERGE INTO ${deltaRef(path)} t USING ${incoming} s ON t.symbol = s.symbol AND t.date = s.date ` +
    `WHEN MATCHED AND (${differs}) THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *`
  );
}

/**
 * Fault tests: every row sleeps `delayMs` inside the write, so the driver can be killed before Delta commits.
 * reflect() is nondeterministic (never folded) and returns NULL for a void method, so `IS NULL` keeps every row;
 * a `coalesce(…, 'x') IS NOT NULL` form would be simplified to true by the optimizer and never sleep.
 */
export function slowly(view: string, delayMs: number): string {
  const ms = Math.max(0, Math.trunc(delayMs));
  return `SELECT * FROM ${view} WHERE reflect('java.lang.Thread', 'sleep', CAST(${ms} AS BIGINT)) IS NULL`;
}

/** The shared SQL file as one statement: trailing semicolon removed. */
export function asStatement(sql: string): string {
  const text = sql.trim();
  return text.endsWith(';') ? text.slice(0, -1).trimEnd() : text;
}
