/**
 * The floor under `bf signals generate`: bf's own `sql/features.sql` + `sql/breadth.sql` run by the DuckDB build bf
 * embeds, with bf's engine settings, straight from the lake's prices Parquet to a breadth CSV — no `features` table
 * written, no signals, no report files. bench/csv-pipeline.ts times it as a contestant, so the gap between it and
 * `bf signals generate` is bf's own work and the gap between it and polars is the SQL's.
 *
 *   node bench/sql-from-lake.ts PRICES_PARQUET OUT_CSV SPILL_DIR
 */

import { mkdirSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbMemoryLimit } from '../src/config/engine.ts';
import { loadSql } from '../src/engines/sql-files.ts';

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

export async function sqlFromLake(pricesParquet: string, outCsv: string, spillDir: string): Promise<void> {
  mkdirSync(spillDir, { recursive: true });
  // The engine's settings (src/engines/duckdb/duckdb-engine.ts), BF_DUCKDB_MEMORY_LIMIT included.
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: duckdbMemoryLimit(),
    temp_directory: spillDir,
    preserve_insertion_order: 'false',
  });
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE VIEW prices AS SELECT * FROM read_parquet(${literal(pricesParquet)})`);
    await conn.run(`CREATE VIEW features AS ${loadSql('features')}`);
    await conn.run(`COPY (${loadSql('breadth')}) TO ${literal(outCsv)} (HEADER)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

if (import.meta.main) {
  const [prices, out, spill] = process.argv.slice(2);
  if (!prices || !out || !spill) {
    process.stderr.write('usage: node bench/sql-from-lake.ts PRICES_PARQUET OUT_CSV SPILL_DIR\n');
    process.exit(2);
  }
  await sqlFromLake(prices, out, spill);
}
