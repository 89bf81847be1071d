import type { ColumnSpec } from '../engine.ts';

/**
 * Spark SQL text of the Spark engine's operations (pure: no I/O). Every table is a path-based Delta table
 * (delta.`s3a://bucket/lake/<table>`), so the Thrift server needs no metastore (its catalog is in-memory).
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

/** Rows per symbol: the total row count and the symbol list in one scan. */
export function symbolCounts(path: string): string {
  return `SELECT symbol, count(*) AS n FROM ${deltaRef(path)} GROUP BY symbol`;
}

/**
 * The `prices` view the shared SQL reads: the Delta table, filtered to the symbols and to the run's date range
 * (each bound when given): bars outside the run's scope do not exist for it (the embedded engine's same filter).
 */
export function pricesView(
  path: string,
  symbols: readonly string[] | null,
  range: { start?: string | null; end?: string | null } = {},
  view = 'prices',
): string {
  const where = [
    symbols === null ? '' : `symbol IN (${symbols.map(sqlString).join(', ')})`,
    range.start ? `date >= DATE ${sqlString(range.start)}` : '',
    range.end ? `date <= DATE ${sqlString(range.end)}` : '',
  ].filter(Boolean);
  const clause = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return `CREATE OR REPLACE TEMPORARY VIEW ${view} AS SELECT * FROM ${deltaRef(path)}${clause}`;
}

export const PRICE_VALUE_COLUMNS = ['open', 'high', 'low', 'close', 'adj_close', 'volume'] as const;

/**
 * What a MERGE of the staged bars would do, per staged symbol, in ONE scan of the table (a full outer join of the
 * staging with the table's bars of the staged symbols): `replaced` staged bars whose key is in the table with other
 * values (null-safe), `added` staged bars new to it, and `vanished` the table's bars within the range that the
 * staging lacks (the source no longer has them), with their first and last date; and `first_changed`, the earliest
 * date of a staged bar that adds or replaces (the change log's entry, src/lake/changes.ts).
 */
export function mergePlan(path: string, incoming: string, range: { start: string; end: string }): string {
  const same = PRICE_VALUE_COLUMNS.map((c) => `i.${c} <=> e.${c}`).join(' AND ');
  const gone = `i.symbol IS NULL AND e.date BETWEEN DATE ${sqlString(range.start)} AND DATE ${sqlString(range.end)}`;
  return (
    'SELECT coalesce(i.symbol, e.symbol) AS symbol, ' +
    `count_if(i.symbol IS NOT NULL AND e.adj_close IS NOT NULL AND NOT (${same})) AS replaced, ` +
    'count_if(i.symbol IS NOT NULL AND e.adj_close IS NULL) AS added, ' +
    `count_if(${gone}) AS vanished, ` +
    `CAST(min(CASE WHEN ${gone} THEN e.date END) AS STRING) AS first, ` +
    `CAST(max(CASE WHEN ${gone} THEN e.date END) AS STRING) AS last, ` +
    `CAST(min(CASE WHEN i.symbol IS NOT NULL AND (e.adj_close IS NULL OR NOT (${same})) THEN i.date END) AS STRING) ` +
    'AS first_changed ' +
    `FROM ${incoming} i FULL OUTER JOIN ` +
    `(SELECT * FROM ${deltaRef(path)} WHERE symbol IN (SELECT DISTINCT symbol FROM ${incoming})) e ` +
    'ON i.symbol = e.symbol AND i.date = e.date GROUP BY coalesce(i.symbol, e.symbol) ORDER BY symbol'
  );
}

/**
 * MERGE keyed by (symbol, date): changed rows updated, new rows inserted, identical rows untouched. With `drop`,
 * the table's bars of those symbols within the range that the staging lacks are deleted in the same commit
 * (Delta's MERGE conditions take no subqueries: the symbols go in as literals).
 */
export function mergeBars(
  path: string,
  incoming: string,
  drop?: { symbols: readonly string[]; range: { start: string; end: string } },
): string {
  const differs = PRICE_VALUE_COLUMNS.map((c) => `NOT (t.${c} <=> s.${c})`).join(' OR ');
  const del =
    drop && drop.symbols.length > 0
      ? ` WHEN NOT MATCHED BY SOURCE AND t.symbol IN (${drop.symbols.map(sqlString).join(', ')}) ` +
        `AND t.date BETWEEN DATE ${sqlString(drop.range.start)} AND DATE ${sqlString(drop.range.end)} THEN DELETE`
      : '';
  return (
    `MERGE INTO ${deltaRef(path)} t USING ${incoming} s ON t.symbol = s.symbol AND t.date = s.date ` +
    `WHEN MATCHED AND (${differs}) THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *${del}`
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

/**
 * An incremental run's breadth: the stored days from `since` on are replaced by the re-aggregated ones (`tail`,
 * one row per date) in one commit; the days before stay.
 */
export function mergeBreadthFrom(path: string, tail: string, since: string): string {
  return (
    `MERGE INTO ${deltaRef(path)} t USING ${tail} s ON t.date = s.date ` +
    'WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT * ' +
    `WHEN NOT MATCHED BY SOURCE AND t.date >= DATE ${sqlString(since)} THEN DELETE`
  );
}
