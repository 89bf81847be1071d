import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readParquet } from '../engines/duckdb/sql-util.ts';
import { Lake, resolveWorkdir, TABLE_NAMES } from '../lake/index.ts';

export interface LakeTableState {
  table: string;
  rows: number;
  symbols: number;
  source: string;
  synthetic: boolean;
  writtenAt: string;
  /** First and last `date` in the table, for tables that have one. */
  first?: string;
  last?: string;
}

export interface LakeState {
  workdir: string;
  root: string;
  exists: boolean;
  tables: LakeTableState[];
}

/**
 * The local lake as `bf doctor` shows it: each table's `_meta.json` facts plus its date range (DuckDB over the
 * Parquet files). Opens the lake only when it exists, so looking never creates one.
 */
export async function readLakeState(workdirOpt: string | undefined): Promise<LakeState> {
  const workdir = resolveWorkdir(workdirOpt);
  const root = join(workdir, 'lake');
  if (!existsSync(root)) return { workdir, root, exists: false, tables: [] };
  const lake = Lake.open(workdir);
  const tables: LakeTableState[] = [];
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    for (const table of TABLE_NAMES) {
      const meta = lake.readMeta(table);
      const files = lake.parquetFiles(table);
      if (!meta || !files) continue;
      const state: LakeTableState = {
        table,
        rows: meta.rows,
        symbols: meta.symbols.length,
        source: meta.source,
        synthetic: meta.synthetic,
        writtenAt: meta.writtenAt,
      };
      try {
        const r = await conn.runAndReadAll(
          `SELECT min("date")::VARCHAR AS first, max("date")::VARCHAR AS last FROM ${readParquet(files)}`,
        );
        const row = r.getRowObjects()[0];
        if (row?.first) {
          state.first = String(row.first);
          state.last = String(row.last);
        }
      } catch {
        // a table without a date column (backtest_summary): no range
      }
      tables.push(state);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return { workdir, root, exists: true, tables };
}
