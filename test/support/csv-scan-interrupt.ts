/**
 * Run as a script (test/e2e/interrupt.test.ts): the CSV load of `bf data fetch` (src/engines/duckdb/csv-plain.ts,
 * a DuckDB table function fed by the parse worker) over a few million rows, with the CLI's interrupt handler
 * installed, and a SIGINT to itself once the load runs. Prints `load started` on stderr; a clean exit is 130.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { onInterrupt } from '../../src/cli/interrupt.ts';
import { loadPlainCsvFiles } from '../../src/engines/duckdb/csv-plain.ts';

const FILES = 300;
const ROWS = 8_000;
const dir = mkdtempSync(join(tmpdir(), 'bf-csv-interrupt-'));
mkdirSync(join(dir, 'csv'));
const day0 = Date.UTC(1990, 0, 1);
const files = Array.from({ length: FILES }, (_, f) => {
  const lines = ['Date,Open,High,Low,Close,Adj Close,Volume'];
  for (let d = 0; d < ROWS; d++) {
    const p = (10 + ((f * 7 + d * 13) % 97) / 4).toFixed(6);
    lines.push(`${new Date(day0 + d * 86_400_000).toISOString().slice(0, 10)},${p},${p},${p},${p},${p},1000`);
  }
  const path = join(dir, 'csv', `S${f}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, symbol: `S${f}` };
});
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
onInterrupt(() => 'during the CSV load');
const load = loadPlainCsvFiles(
  conn,
  files,
  { start: '1900-01-01', end: '2100-01-01' },
  join(dir, 'prices.parquet'),
);
process.stderr.write('load started\n');
setTimeout(() => process.kill(process.pid, 'SIGINT'), 300);
await load;
process.stderr.write('load ended before the signal: make the data larger\n');
process.exit(3);
