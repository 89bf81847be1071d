import { basename } from 'node:path';
import { BfError, UsageError } from '../../util/errors.ts';
import { isTableName, PRODUCED_BY, TABLE_NAMES, type TableName } from '../tables.ts';
import type { ParquetFiles } from './parquet-files.ts';
import type { ColumnInfo } from './types.ts';

/** A table name from the command line: one of TABLE_NAMES, else a usage error naming them. */
export function requireTableName(name: string): TableName {
  if (isTableName(name)) return name;
  throw new UsageError(`unknown table ${JSON.stringify(name)}`, `tables: ${TABLE_NAMES.join(', ')}`);
}

/** A known table that this lake does not hold (yet). */
export function tableMissing(table: TableName, location: string, present: readonly string[]): BfError {
  return new BfError(`table ${table} is not in the lake at ${location}`, {
    hint: `\`${PRODUCED_BY[table]}\` writes it; the lake holds: ${present.length ? present.join(', ') : 'nothing'}`,
  });
}

/** What a table's metadata says its data is; `checkTable` compares the files with it. */
export interface ExpectedTable {
  /** Local paths of the data files, each with the row count its metadata records (null: not recorded). */
  files: { path: string; name: string; rows: number | null }[];
  /** Total rows the metadata records (null: not recorded). */
  rows: number | null;
  /** Columns the metadata records, in order (null: not recorded). */
  schema: ColumnInfo[] | null;
  /** Distinct symbols the metadata records (null: not recorded, or no symbol column). */
  symbols: string[] | null;
}

/**
 * Reads every file in full and compares it with the metadata: per-file and total row counts, the schema (every
 * file the same, and equal to the recorded one), the symbols. Returns the rows read and the first problem.
 */
export async function checkTable(
  pq: ParquetFiles,
  expected: ExpectedTable,
): Promise<{ rows: number; problem: string | null }> {
  let total = 0;
  let firstSchema: { name: string; columns: ColumnInfo[] } | null = null;
  for (const f of expected.files) {
    let n: number;
    let columns: ColumnInfo[];
    try {
      n = await pq.readFully(f.path);
      columns = await pq.schema([f.path]);
    } catch (e) {
      return { rows: total, problem: `file ${f.name} is unreadable: ${errorLine(e)}` };
    }
    if (f.rows !== null && n !== f.rows) {
      return { rows: total, problem: `file ${f.name} has ${n} rows, its metadata says ${f.rows}` };
    }
    total += n;
    if (!firstSchema) firstSchema = { name: f.name, columns };
    else if (!sameColumns(columns, firstSchema.columns)) {
      return {
        rows: total,
        problem: `file ${f.name} has columns (${formatColumns(columns)}), file ${firstSchema.name} has (${formatColumns(firstSchema.columns)})`,
      };
    }
  }
  if (expected.rows !== null && total !== expected.rows) {
    return { rows: total, problem: `the files hold ${total} rows, the metadata says ${expected.rows}` };
  }
  if (firstSchema && expected.schema && !sameColumns(firstSchema.columns, expected.schema)) {
    return {
      rows: total,
      problem: `the files have columns (${formatColumns(firstSchema.columns)}), the metadata says (${formatColumns(expected.schema)})`,
    };
  }
  if (expected.symbols && firstSchema?.columns.some((c) => c.name === 'symbol')) {
    const actual = await pq.distinct(
      expected.files.map((f) => f.path),
      'symbol',
    );
    const recorded = [...expected.symbols].sort();
    if (actual.join('\n') !== recorded.join('\n')) {
      const missing = recorded.filter((s) => !actual.includes(s));
      const extra = actual.filter((s) => !recorded.includes(s));
      return {
        rows: total,
        problem: `symbols differ from the metadata (${[
          missing.length ? `not in the files: ${missing.slice(0, 10).join(', ')}` : '',
          extra.length ? `not in the metadata: ${extra.slice(0, 10).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ')})`,
      };
    }
  }
  return { rows: total, problem: null };
}

function sameColumns(a: readonly ColumnInfo[], b: readonly ColumnInfo[]): boolean {
  return a.length === b.length && a.every((c, i) => c.name === b[i]?.name && c.type === b[i]?.type);
}

export function formatColumns(cols: readonly ColumnInfo[]): string {
  return cols.map((c) => `${c.name} ${c.type}`).join(', ');
}

/** First line of an error, control characters escaped (file contents can end up in DuckDB's messages). */
export function errorLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return escapeControl(text.split('\n')[0] ?? text);
}

export function escapeControl(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const fileName = (path: string) => basename(path);
