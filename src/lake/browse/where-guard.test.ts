import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../util/errors.ts';
import { selectRows } from './parquet-files.ts';

// Real Parquet files written by DuckDB, read back through the guarded `show` path.
let table: string;
let secret: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bf-where-'));
  table = join(dir, 'prices.parquet');
  secret = join(dir, 'secret.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (SELECT * FROM (VALUES ('AAPL', DATE '2024-01-02', 10.5::DOUBLE), ('MSFT', DATE '2024-01-03', 20.0::DOUBLE),
    ('AAPL', DATE '2024-01-04', 11.0::DOUBLE)) t(symbol, date, close)) TO '${table}' (FORMAT parquet)`);
  await conn.run(`COPY (SELECT 42 AS pin) TO '${secret}' (FORMAT parquet)`);
  conn.closeSync();
  db.closeSync();
});

describe('bf lake show --where', () => {
  it('filters with an expression over the columns; dates come back as YYYY-MM-DD', async () => {
    const r = await selectRows([table], { limit: 10, where: "symbol = 'AAPL' AND date > DATE '2024-01-02'" });
    expect(r.rows).toEqual([{ symbol: 'AAPL', date: '2024-01-04', close: 11 }]);
    const fn = await selectRows([table], { limit: 10, where: "upper(lower(symbol)) IN ('MSFT')" });
    expect(fn.rows).toHaveLength(1);
  });

  it.each([
    ['1=1) UNION ALL SELECT * FROM bf_rows WHERE (1=1', 'changes the query'],
    ['1=1); DROP TABLE bf_rows; SELECT (1', 'another statement'],
    ['1=1); SELECT * FROM bf_rows WHERE (1=1', 'more than one statement'],
    [`pin IN (SELECT pin FROM read_parquet('SECRET'))`, 'subqueries'],
    [`EXISTS (SELECT 1)`, 'subqueries'],
    ['1=1) GROUP BY ALL HAVING (1=1', 'changes the query'],
    ['close >', 'syntax error'],
    ['   ', 'empty'],
  ])('rejects %j as a usage error', async (where, why) => {
    const attempt = selectRows([table], { limit: 10, where: where.replace('SECRET', secret) });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(new RegExp(why));
  });

  it('names the columns when the filter uses one the table lacks', async () => {
    const attempt = selectRows([table], { limit: 10, where: 'volume > 0' });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toMatchObject({ hint: 'columns: symbol, date, close' });
  });

  it('--columns picks and orders columns; an unknown one is a usage error naming the real ones', async () => {
    const r = await selectRows([table], { limit: 1, columns: ['close', 'symbol'] });
    expect(r.columns.map((c) => c.name)).toEqual(['close', 'symbol']);
    expect(Object.keys(r.rows[0] ?? {})).toEqual(['close', 'symbol']);
    await expect(selectRows([table], { limit: 1, columns: ['nope'] })).rejects.toMatchObject({
      exitCode: 2,
      hint: 'columns: symbol, date, close',
    });
  });
});
