import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ident, literal, readParquet } from '../../engines/duckdb/sql-util.ts';
import { BfError, UsageError } from '../../util/errors.ts';
import type { Cell, ColumnInfo, ShowOptions } from './types.ts';
import { checkWhere, ROWS_VIEW } from './where-guard.ts';

/**
 * Reads local Parquet files with an in-memory DuckDB: the embedded lake's files, and a Delta table's files once
 * downloaded. Trusted queries only (schema, counts); user-given filters go through `selectRows`.
 */
export class ParquetFiles {
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;

  private constructor(instance: DuckDBInstance, conn: DuckDBConnection) {
    this.instance = instance;
    this.conn = conn;
  }

  static async open(): Promise<ParquetFiles> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    return new ParquetFiles(instance, await instance.connect());
  }

  /** The columns the files hold (their union schema as DuckDB reads it). */
  async schema(files: readonly string[]): Promise<ColumnInfo[]> {
    const reader = await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${readParquet(files)}`);
    return reader
      .getRowObjectsJS()
      .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }

  /** Decodes every value of one file (not just its footer) and returns its row count; throws when unreadable. */
  async readFully(file: string): Promise<number> {
    const reader = await this.conn.runAndReadAll(
      `SELECT count(*), count(hash(t)) FROM read_parquet(${literal(file)}) t`,
    );
    return Number(reader.getRowsJS()[0]?.[0] ?? 0);
  }

  async distinct(files: readonly string[], column: string): Promise<string[]> {
    const reader = await this.conn.runAndReadAll(
      `SELECT DISTINCT CAST(${ident(column)} AS VARCHAR) FROM ${readParquet(files)} WHERE ${ident(column)} IS NOT NULL ORDER BY 1`,
    );
    return reader.getRowsJS().map((r) => String(r[0]));
  }

  async dateRange(files: readonly string[], column: string): Promise<{ first: string; last: string } | null> {
    const reader = await this.conn.runAndReadAll(
      `SELECT CAST(min(${ident(column)}) AS VARCHAR), CAST(max(${ident(column)}) AS VARCHAR) FROM ${readParquet(files)}`,
    );
    const [first, last] = reader.getRowsJS()[0] ?? [];
    return first == null || last == null ? null : { first: String(first), last: String(last) };
  }

  /**
   * The `add` and `metaData` actions of a Delta checkpoint (Parquet, one action per row as struct columns), as the
   * JSON a commit would hold; `to_json` keeps whatever fields the writer's checkpoint schema has.
   */
  async checkpointActions(files: readonly string[]): Promise<Record<string, unknown>[]> {
    const reader = await this.conn.runAndReadAll(
      `SELECT CAST(to_json("add") AS VARCHAR), CAST(to_json("metaData") AS VARCHAR) FROM ${readParquet(files)}
       WHERE "add" IS NOT NULL OR "metaData" IS NOT NULL`,
    );
    return reader
      .getRowsJS()
      .map(([add, meta]) =>
        add != null ? { add: JSON.parse(String(add)) } : { metaData: JSON.parse(String(meta)) },
      );
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/**
 * The first rows of a table for `bf lake show`. Runs in its own DuckDB whose file access is limited to `files`
 * and locked, after `checkWhere` has accepted the filter. `schema` is used when there are no files (an empty
 * Delta table has none).
 */
export async function selectRows(
  files: readonly string[],
  opts: ShowOptions,
  schema: ColumnInfo[] = [],
): Promise<{ columns: ColumnInfo[]; rows: Record<string, Cell>[] }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  try {
    if (files.length > 0) {
      await conn.run(`SET allowed_paths = [${files.map(literal).join(', ')}]`);
      await conn.run(`CREATE VIEW ${ROWS_VIEW} AS SELECT * FROM ${readParquet(files)}`);
    } else {
      const cols = schema.map((c) => `CAST(NULL AS ${c.type}) AS ${ident(c.name)}`).join(', ');
      await conn.run(`CREATE VIEW ${ROWS_VIEW} AS SELECT ${cols || '1 AS none'} WHERE false`);
    }
    await conn.run('SET enable_external_access = false');
    await conn.run('SET lock_configuration = true');
    const described = await conn.runAndReadAll(`DESCRIBE ${ROWS_VIEW}`);
    const all: ColumnInfo[] = described
      .getRowObjectsJS()
      .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const columns = pickColumns(all, opts.columns);
    if (opts.where !== undefined) await checkWhere(conn, opts.where);
    const select = columns
      .map((c) =>
        needsText(c.type) ? `CAST(${ident(c.name)} AS VARCHAR) AS ${ident(c.name)}` : ident(c.name),
      )
      .join(', ');
    const where = opts.where === undefined ? '' : ` WHERE (\n${opts.where.trim()}\n)`;
    let reader: Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>;
    try {
      reader = await conn.runAndReadAll(`SELECT ${select} FROM ${ROWS_VIEW}${where} LIMIT ${opts.limit}`);
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      if (
        opts.where !== undefined &&
        /Binder Error|Conversion Error|Parser Error|Catalog Error/.test(msg ?? '')
      ) {
        throw new UsageError(`--where: ${msg}`, `columns: ${all.map((c) => c.name).join(', ')}`);
      }
      throw new BfError(`cannot read the table's Parquet files: ${msg}`, { cause: e });
    }
    const rows = reader.getRowObjectsJS().map((r) => {
      const out: Record<string, Cell> = {};
      for (const c of columns) out[c.name] = toCell(r[c.name]);
      return out;
    });
    return { columns, rows };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function pickColumns(all: ColumnInfo[], wanted: string[] | undefined): ColumnInfo[] {
  if (!wanted || wanted.length === 0) return all;
  const byName = new Map(all.map((c) => [c.name, c]));
  const unknown = wanted.filter((w) => !byName.has(w));
  if (unknown.length > 0) {
    throw new UsageError(
      `--columns: no column ${unknown.map((u) => JSON.stringify(u)).join(', ')} in this table`,
      `columns: ${all.map((c) => c.name).join(', ')}`,
    );
  }
  return wanted.map((w) => byName.get(w) as ColumnInfo);
}

/** Types shown as DuckDB's text form (dates as YYYY-MM-DD, decimals exactly, nested values readable). */
function needsText(type: string): boolean {
  return !/^(VARCHAR|DOUBLE|FLOAT|BOOLEAN|BIGINT|INTEGER|SMALLINT|TINYINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT)$/.test(
    type,
  );
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return String(v);
}
