import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSize } from '../../bench/csv-pipeline.ts';

// The CSV benchmark's own code path at a small size: the same generator, the same bf commands as child processes
// (under a 48 MB memory limit, as a large run is under its 1 GB one; the spill itself is proven in csv-fetch.test.ts),
// bf's SQL alone from the lake (bench/sql-from-lake.ts), and the same agreement check. The
// peers (polars, DuckDB from Python) run when the bench's cache venv exists; creating it needs PyPI.
const venv = join(process.env.BF_CACHE ?? join(homedir(), '.cache', 'bf'), 'pyvenv', 'bin', 'python');

describe('bench/csv-pipeline.ts at small size', () => {
  it('runs fetch, signals and pipeline from CSVs under a small memory limit; the peers agree with bf on every day', async () => {
    const r = await runSize({
      symbols: 120,
      years: 5,
      peers: existsSync(venv),
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
    expect(r.disagreements).toEqual(
      existsSync(venv) ? { "bf's SQL alone": 0, polars: 0, duckdb: 0 } : { "bf's SQL alone": 0 },
    );
  }, 300_000);
});
