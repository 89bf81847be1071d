/**
 * Run as a script (test/e2e/interrupt.test.ts): a window scan statement (src/engines/duckdb/window-scan-source.ts)
 * of a few million bars, with the CLI's interrupt handler installed, and a SIGINT to itself once the statement runs.
 * Prints `scan started` on stderr; a clean exit is 130 (128 + SIGINT) soon after the signal.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { onInterrupt } from '../../src/cli/interrupt.ts';
import { readScanBars, windowScanQuery } from '../../src/engines/duckdb/window-scan-source.ts';
import { featuresOuterSelect } from '../../src/engines/incremental-sql.ts';
import { loadSql } from '../../src/engines/sql-files.ts';

const SYMBOLS = 400;
const BARS = 8_000;
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`CREATE TYPE sym AS ENUM (SELECT 'S' || i FROM range(${SYMBOLS}) t(i) ORDER BY i)`);
await conn.run(`CREATE TABLE px AS SELECT CAST('S' || s AS sym) AS symbol, DATE '2000-01-01' + CAST(d AS INTEGER) AS date,
  10 + (s * 7 + d * 13) % 97 / 4 AS adj_close FROM range(${SYMBOLS}) a(s), range(${BARS}) b(d) ORDER BY s, d`);
const bars = await readScanBars(conn, 'px', SYMBOLS, true);
if (typeof bars === 'string') throw new Error(bars);
const names = Array.from({ length: SYMBOLS }, (_, i) => `S${i}`);
const q = await windowScanQuery(conn, featuresOuterSelect(loadSql('features'))!, bars, 'sym', names);
onInterrupt(() => 'during the window scan');
const out = join(mkdtempSync(join(tmpdir(), 'bf-scan-interrupt-')), 'features.parquet');
const statement = conn.run(`COPY (${q.sql}) TO '${out}' (FORMAT parquet)`);
process.stderr.write('scan started\n');
setTimeout(() => process.kill(process.pid, 'SIGINT'), 300);
await q.run(statement);
process.stderr.write('scan ended before the signal: make the data larger\n');
process.exit(3);
