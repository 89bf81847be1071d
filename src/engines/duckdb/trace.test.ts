import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { TRACE_SQL_ENV } from '../../config/engine.ts';
import { traced } from './trace.ts';

describe('BF_TRACE_SQL', () => {
  it('logs each statement with its wall and CPU time and its start, and still returns its result', async () => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const lines: string[] = [];
    const db = traced(conn, (l) => lines.push(l), { [TRACE_SQL_ENV]: '1' });
    await db.run('CREATE TABLE t AS\n  SELECT 42 AS answer');
    const reader = await db.runAndReadAll('SELECT answer FROM t');
    expect(reader.getRowsJS()).toEqual([[42]]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^sql +\d+ ms wall +\d+ ms cpu {2}CREATE TABLE t AS SELECT 42 AS answer$/);
    expect(lines[1]).toMatch(/ SELECT answer FROM t$/);
    conn.closeSync();
  });

  it('is the connection itself when the variable is not set', async () => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    expect(traced(conn, () => {}, {})).toBe(conn);
    conn.closeSync();
  });
});
