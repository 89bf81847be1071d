import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../../util/errors.ts';

/** The view `show` queries; the guard checks the filter is applied to it and nothing else. */
export const ROWS_VIEW = 'bf_rows';

/**
 * Accepts `--where` only when DuckDB's own parser reads `SELECT * FROM bf_rows WHERE (<expr>)` as exactly that
 * statement: one plain SELECT of the view, no subquery, CTE, grouping or set operation smuggled in through the
 * text (`1=1) UNION SELECT …`, `…; DROP …`). The query then runs with file access limited to the table's own
 * files, so even an expression that passes cannot read anything else.
 */
export async function checkWhere(conn: DuckDBConnection, expr: string): Promise<void> {
  const text = expr.trim();
  if (text === '')
    throw new UsageError('--where is empty', 'give a filter expression, e.g. "symbol = \'AAPL\'"');
  const sql = `SELECT * FROM ${ROWS_VIEW} WHERE (\n${text}\n)`;
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
  const parsed = JSON.parse(String(reader.getRowsJS()[0]?.[0])) as SerializedSql;
  const reject = (why: string) =>
    new UsageError(
      `--where must be a filter expression over the table's columns: ${why}`,
      `e.g. --where "symbol = 'AAPL' AND date >= DATE '2024-01-01'"`,
    );
  if (parsed.error) {
    const why = firstLine(parsed.error_message ?? 'it does not parse');
    // json_serialize_sql refuses any statement list that is not all SELECTs: `…; DROP …`.
    throw reject(/Only SELECT statements/.test(why) ? 'it holds another statement' : why);
  }
  const statements = parsed.statements ?? [];
  if (statements.length !== 1) throw reject('it holds more than one statement');
  const node = statements[0]?.node;
  const from = node?.from_table;
  if (
    node?.type !== 'SELECT_NODE' ||
    from?.type !== 'BASE_TABLE' ||
    from.table_name !== ROWS_VIEW ||
    (node.modifiers?.length ?? 0) > 0 ||
    (node.cte_map?.map?.length ?? 0) > 0 ||
    (node.group_expressions?.length ?? 0) > 0 ||
    node.having != null ||
    node.qualify != null ||
    node.sample != null ||
    node.where_clause == null
  ) {
    throw reject('it changes the query around it');
  }
  if (containsSubquery(node.where_clause)) throw reject('subqueries are not allowed');
}

interface SerializedSql {
  error?: boolean;
  error_message?: string;
  statements?: { node?: SelectNode }[];
}
interface SelectNode {
  type?: string;
  from_table?: { type?: string; table_name?: string };
  modifiers?: unknown[];
  cte_map?: { map?: unknown[] };
  group_expressions?: unknown[];
  having?: unknown;
  qualify?: unknown;
  sample?: unknown;
  where_clause?: unknown;
}

function containsSubquery(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsSubquery);
  if (node === null || typeof node !== 'object') return false;
  const obj = node as Record<string, unknown>;
  if (obj.class === 'SUBQUERY' || obj.type === 'SUBQUERY' || obj.type === 'SELECT_NODE') return true;
  return Object.values(obj).some(containsSubquery);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
