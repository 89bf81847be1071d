import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_PEERS, pythonHas, runSize } from '../../bench/csv-pipeline.ts';

// The CSV benchmark's own code path at a small size: the same generator, the same bf commands as child processes
// (under a 48 MB memory limit, as a large run is under its 1 GB one; the spill itself is proven in csv-fetch.test.ts),
// bf's SQL alone from the lake (bench/sql-from-lake.ts), and the same agreement check. Each peer (polars, DuckDB
// from Python, pandas) runs when the bench's cache venv already has its package: installing them needs PyPI, which
// a test does not reach for. PySpark (a JVM, minutes on a loaded 2-core machine even at this size) runs here only
// with BF_TEST_PYSPARK=1.
const peers = ALL_PEERS.filter(
  (p) => pythonHas(p) && (p !== 'pyspark' || process.env.BF_TEST_PYSPARK === '1'),
);

describe('bench/csv-pipeline.ts at small size', () => {
  it('runs fetch, signals and pipeline from CSVs under a small memory limit; the peers agree with bf on every day', async () => {
    const r = await runSize({
      symbols: 120,
      years: 5,
      peers,
      marketRoot: mkdtempSync(join(tmpdir(), 'bf-csv-bench-')),
      env: { BF_DUCKDB_MEMORY_LIMIT: '48MB' },
    });
    expect(r.measures.map((m) => m.name).slice(0, 4)).toEqual([
      'bf data fetch',
      'bf signals generate',
      'bf fetch + signals',
      'bf pipeline run',
    ]);
    expect(r.days).toBeGreaterThan(1000);
    for (const m of r.measures) expect(m.maxRssMiB).toBeGreaterThan(0);
    expect(r.measures[4]?.name).toBe("bf's SQL alone, from the lake");
    expect(r.measures).toHaveLength(5 + peers.length);
    expect(r.disagreements).toEqual(
      Object.fromEntries([["bf's SQL alone", 0], ...peers.map((p) => [p, 0] as const)]),
    );
  }, 600_000);
});
