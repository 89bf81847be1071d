import { describe, expect, it } from 'vitest';
import {
  deltaRef,
  mergeBars,
  mergePlan,
  ndjsonView,
  pricesView,
  replaceEmptyTable,
  slowly,
  sqlString,
} from './sql-text.ts';

describe('Spark SQL text', () => {
  it('quotes string literals with backslash escapes and doubles backticks in Delta paths', () => {
    expect(sqlString("it's a \\ path")).toBe("'it\\'s a \\\\ path'");
    expect(deltaRef('s3a://b/lake/x`y')).toBe('delta.`s3a://b/lake/x``y`');
  });
  it('reads staged NDJSON with the declared schema, failing on malformed rows', () => {
    const sql = ndjsonView('v', 's3a://b/staging/1/bars.ndjson', [
      { name: 'symbol', type: 'VARCHAR' },
      { name: 'date', type: 'DATE' },
      { name: 'n', type: 'BIGINT' },
    ]);
    expect(sql).toBe(
      "CREATE OR REPLACE TEMPORARY VIEW v (symbol STRING, date DATE, n BIGINT) USING json OPTIONS (path 's3a://b/staging/1/bars.ndjson', mode 'FAILFAST', dateFormat 'yyyy-MM-dd')",
    );
  });
  it('filters prices to the quoted symbols, or not at all', () => {
    expect(pricesView('s3a://b/l/prices', ['A', "O'X"])).toBe(
      "CREATE OR REPLACE TEMPORARY VIEW prices AS SELECT * FROM delta.`s3a://b/l/prices` WHERE symbol IN ('A', 'O\\'X')",
    );
    expect(pricesView('s3a://b/l/prices', null)).not.toContain('WHERE');
  });
  it('compares every value null-safely when counting changed bars and merging', () => {
    const plan = mergePlan('s3a://b/l/prices', 'inc', { start: '2020-01-01', end: '2020-12-31' });
    for (const c of ['open', 'high', 'low', 'close', 'adj_close', 'volume'])
      expect(plan).toContain(`i.${c} <=> e.${c}`);
    // one scan: the staging joined with the table's bars of the staged symbols only, vanished bars within the range
    expect(plan.match(/delta\.`/g)).toHaveLength(1);
    expect(plan).toContain(
      'FROM inc i FULL OUTER JOIN (SELECT * FROM delta.`s3a://b/l/prices` WHERE symbol IN (SELECT DISTINCT symbol FROM inc)) e',
    );
    expect(plan).toContain(
      "count_if(i.symbol IS NULL AND e.date BETWEEN DATE '2020-01-01' AND DATE '2020-12-31') AS vanished",
    );
    // the earliest bar the merge adds or replaces, for the change log
    expect(plan).toMatch(
      /CAST\(min\(CASE WHEN i\.symbol IS NOT NULL AND \(e\.adj_close IS NULL OR NOT \(i\.open <=> e\.open .*\)\) THEN i\.date END\) AS STRING\) AS first_changed/,
    );
    expect(mergeBars('s3a://b/l/prices', 'inc')).toMatch(
      /^MERGE INTO delta\.`s3a:\/\/b\/l\/prices` t USING inc s ON t\.symbol = s\.symbol AND t\.date = s\.date WHEN MATCHED AND \(NOT \(t\.open <=> s\.open\).*\) THEN UPDATE SET \* WHEN NOT MATCHED THEN INSERT \*$/,
    );
  });
  it('creates an empty table with the column types and slows a write down per row', () => {
    expect(replaceEmptyTable('p', [{ name: 'ok', type: 'BOOLEAN' }])).toBe(
      'CREATE OR REPLACE TABLE delta.`p` (ok BOOLEAN) USING delta',
    );
    expect(slowly('v', 1500.7)).toContain("reflect('java.lang.Thread', 'sleep', CAST(1500 AS BIGINT))");
  });
});
