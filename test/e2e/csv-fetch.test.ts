import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCsvMarket } from '../../bench/csv-market.ts';
import { Lake, TABLE } from '../../src/lake/index.ts';
import { runBf } from '../support/run-bf.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'bf-csv-e2e-'));

describe('bf data fetch --source csv:DIR past the engine memory limit', () => {
  it('spills to <workdir>/tmp/duckdb and succeeds when the load does not fit in memory_limit', async () => {
    const dir = tmp();
    const market = writeCsvMarket(join(dir, 'csv'), { symbols: 200, years: 6 });
    writeFileSync(join(dir, 'list.txt'), `${market.symbols.join('\n')}\n`);
    const workdir = join(dir, 'wd');
    // 48 MB is below what the load holds at once (about 270,000 bars), so DuckDB must spill; before the spill directory's parent was
    // created this failed with `Failed to create directory "<workdir>/tmp/duckdb"`.
    const r = await runBf(
      [
        'data',
        'fetch',
        '--symbol-list',
        join(dir, 'list.txt'),
        '--source',
        `csv:${market.dir}`,
        '--start',
        market.start,
        '--workdir',
        workdir,
      ],
      { BF_DUCKDB_MEMORY_LIMIT: '48MB' },
    );
    expect(r.stderr).not.toMatch(/Failed to create directory|Out of Memory/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/for 200\/200 symbols/);
    expect(existsSync(join(workdir, 'tmp', 'duckdb'))).toBe(true);
  });

  it('names the memory limit to raise when even spilling cannot make the load fit', async () => {
    const dir = tmp();
    const market = writeCsvMarket(join(dir, 'csv'), { symbols: 20, years: 2 });
    writeFileSync(join(dir, 'list.txt'), `${market.symbols.join('\n')}\n`);
    const r = await runBf(
      [
        'data',
        'fetch',
        '--symbol-list',
        join(dir, 'list.txt'),
        '--source',
        `csv:${market.dir}`,
        '--workdir',
        join(dir, 'wd'),
      ],
      // 2 MB: less than the appender of the plain reader (src/engines/duckdb/csv-plain.ts) needs for one block.
      { BF_DUCKDB_MEMORY_LIMIT: '2MB' },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: the embedded engine ran out of memory');
    expect(r.stderr).toContain('hint: raise BF_DUCKDB_MEMORY_LIMIT (default 1GB)');
    expect(r.stderr).not.toContain('    at ');
  });

  it('names a malformed BF_DUCKDB_MEMORY_LIMIT and exits 2', async () => {
    const r = await runBf(['data', 'fetch', '--workdir', join(tmp(), 'wd')], {
      BF_DUCKDB_MEMORY_LIMIT: 'lots',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BF_DUCKDB_MEMORY_LIMIT must be a size such as 512MB or 4GB, got "lots"');
  });
});

describe('bf data fetch --source csv:DIR: the plain reader and the SQL path', () => {
  it('writes byte-identical prices whether the files are read plain or (one blank line more) by SQL', async () => {
    const dir = tmp();
    const market = writeCsvMarket(join(dir, 'plain'), { symbols: 40, years: 3 });
    writeFileSync(join(dir, 'list.txt'), `${market.symbols.join('\n')}\n`);
    // A blank line at the end is ignored by the rules but is not plain: every copy takes the SQL path.
    cpSync(market.dir, join(dir, 'sql'), { recursive: true });
    for (const s of market.symbols) appendFileSync(join(dir, 'sql', `${s}.csv`), '\n');
    const fetch = (csv: string, workdir: string) =>
      runBf([
        'data',
        'fetch',
        '--symbol-list',
        join(dir, 'list.txt'),
        '--source',
        `csv:${csv}`,
        '--workdir',
        workdir,
      ]);
    const plain = await fetch(market.dir, join(dir, 'wd-plain'));
    const sql = await fetch(join(dir, 'sql'), join(dir, 'wd-sql'));
    expect(plain.code).toBe(0);
    expect(sql.code).toBe(0);
    // The same summary (bars, symbols, dates, null rows skipped) but for the directory named in it.
    expect(plain.stdout.replaceAll(market.dir, 'DIR')).toBe(sql.stdout.replaceAll(join(dir, 'sql'), 'DIR'));
    expect(plain.stdout).toMatch(/null values: [1-9]/);
    const [p] = Lake.open(join(dir, 'wd-plain')).parquetFiles(TABLE.prices)!;
    const [q] = Lake.open(join(dir, 'wd-sql')).parquetFiles(TABLE.prices)!;
    expect(readFileSync(p!).equals(readFileSync(q!))).toBe(true);
  });
});
