import { execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_SWAP_DELAY_ENV } from '../../src/config/lake.ts';
import { Lake } from '../../src/lake/index.ts';
import { lakeHistoryShape, lakeLsShape, lakeShowShape, lakeVerifyShape } from '../../src/report/schemas.ts';

// `bf lake` on a lake written by a real `bf pipeline run` (embedded engine), as a user runs it: a child process,
// judged by exit code, stdout and stderr.
const BIN = resolve(import.meta.dirname, '../../bin/bf.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function bf(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    const opts = { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } };
    execFile(process.execPath, [BIN, ...args], opts, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let workdir: string;
const lakeArgs = (...args: string[]) => bf(['lake', ...args, '--workdir', workdir]);

/** A copy of the pipeline's workdir that a test may damage. */
function damagedCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), 'bf-lake-damaged-'));
  cpSync(workdir, copy, { recursive: true });
  return copy;
}

beforeAll(async () => {
  workdir = join(mkdtempSync(join(tmpdir(), 'bf-lake-e2e-')), 'wd');
  const r = await bf([
    'pipeline',
    'run',
    '--symbol-list',
    'demo_small',
    '--source',
    'sample',
    '--workdir',
    workdir,
    '--start',
    '2024-01-01',
    '--end',
    '2024-12-31',
    '-q',
  ]);
  expect(r.code, r.stderr).toBe(0);
}, 180_000);

describe('bf lake ls', () => {
  it('lists every table the pipeline wrote with rows, files, size, lineage; prices with symbols and dates', async () => {
    const r = await lakeArgs('ls', '--json');
    expect(r.code, r.stderr).toBe(0);
    // The versioned shape, checked as the CLI printed it (strict: an unknown key fails).
    const out = lakeLsShape.parse(JSON.parse(r.stdout));
    expect(out.schema).toBe('bf.lake.ls/v1');
    expect(out.engine).toBe('duckdb');
    expect(out.location).toBe(join(workdir, 'lake'));
    const names = out.tables.map((t: { table: string }) => t.table);
    expect(names).toEqual([
      'prices',
      'features',
      'breadth',
      'breadth_series',
      'signals',
      'signals_scope',
      'backtest_summary',
      'backtest_forward_returns',
      'backtest_trades',
      'backtest_equity',
    ]);
    for (const t of out.tables) {
      const meta = JSON.parse(readFileSync(join(workdir, 'lake', t.table, '_meta.json'), 'utf8'));
      expect(t.rows).toBe(meta.rows);
      expect(t.files).toBe(meta.files.length);
      expect(t.bytes).toBeGreaterThan(0);
      expect(t.last_write).toBe(meta.writtenAt);
      expect(t.source).toBe('sample');
      expect(t.synthetic).toBe(true);
    }
    const prices = out.tables[0]!;
    expect(prices.symbols).toHaveLength(25);
    expect(prices.symbols).toContain('AAPL');
    expect(prices.date_range!.first >= '2024-01-01').toBe(true);
    expect(prices.date_range!.last <= '2024-12-31').toBe(true);
    const text = await lakeArgs('ls');
    expect(text.stdout).toMatch(/^prices\s+\d+\s+1\s/m);
    expect(text.stdout).toContain('SYNTHETIC');
    expect(text.stdout).toMatch(/prices: 25 symbols, 2024-01-\d\d to 2024-12-\d\d/);
  });

  it('a workdir without a lake is an error naming the command that creates one, exit 1', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'bf-nolake-'));
    const r = await bf(['lake', 'ls', '--workdir', empty]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`there is no lake in workdir ${empty}`);
    expect(r.stderr).toContain('bf pipeline run');
    expect(readdirSync(empty)).toEqual([]); // reading creates nothing
  });
});

describe('bf lake and a writer', () => {
  it('reads under the lake lock: while a write holds it, bf lake waits (saying so) and gives up after BF_LOCK_TIMEOUT', async () => {
    const lake = Lake.open(workdir);
    let blocked: Run | undefined;
    await lake.withLock(async () => {
      blocked = await bf(['lake', 'ls', '--workdir', workdir], { BF_LOCK_TIMEOUT: '2' });
    });
    lake.close();
    expect(blocked?.code).toBe(1);
    expect(blocked?.stderr).toContain('waiting for the lake lock held by');
    expect(blocked?.stderr).toMatch(/gave up after [\d.]+ s waiting for the lake lock/);
    expect(blocked?.stdout).toBe('');
    const after = await lakeArgs('ls');
    expect(after.code, after.stderr).toBe(0);
  });
});

describe('bf lake show', () => {
  it('prints the first rows; --where, --columns, --limit; --json and --csv for data', async () => {
    const json = await lakeArgs(
      'show',
      'prices',
      '--where',
      "symbol = 'MSFT' AND date >= DATE '2024-06-01'",
      '--columns',
      'date,symbol,adj_close',
      '--limit',
      '3',
      '--json',
    );
    expect(json.code, json.stderr).toBe(0);
    const doc = lakeShowShape.parse(JSON.parse(json.stdout));
    expect(doc).toMatchObject({ schema: 'bf.lake.show/v1', engine: 'duckdb', table: 'prices' });
    expect(doc.columns.map((c) => c.name)).toEqual(['date', 'symbol', 'adj_close']);
    const rows = doc.rows;
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['date', 'symbol', 'adj_close']);
      expect(row.symbol).toBe('MSFT');
      expect(String(row.date) >= '2024-06-01').toBe(true);
      expect(typeof row.adj_close).toBe('number');
    }
    const csv = await lakeArgs('show', 'signals', '--columns', 'date,signal', '--csv', '--limit', '2');
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('date,signal');
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d,[a-z_]+$/);
    const text = await lakeArgs('show', 'breadth_series', '--limit', '2');
    expect(text.stdout).toMatch(/^date\s+advancers/);
    expect(text.stdout).toContain('(2 rows)');
  });

  it('an unknown table is a usage error naming the known ones, exit 2', async () => {
    const r = await lakeArgs('show', 'price');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown table "price"');
    expect(r.stderr).toContain('prices, features, breadth');
  });

  it('--where that is more than a filter, or names a missing column, is a usage error, exit 2', async () => {
    const union = await lakeArgs(
      'show',
      'prices',
      '--where',
      '1=1) UNION ALL SELECT * FROM bf_rows WHERE (1=1',
    );
    expect(union.code).toBe(2);
    expect(union.stderr).toContain('--where must be a filter expression');
    const col = await lakeArgs('show', 'prices', '--where', 'price > 1');
    expect(col.code).toBe(2);
    expect(col.stderr).toContain('hint: columns: symbol, date, open');
    const both = await lakeArgs('show', 'prices', '--json', '--csv');
    expect(both.code).toBe(2);
  });
});

describe('bf lake history', () => {
  it('the embedded lake keeps one version: one line with its time, operation and rows', async () => {
    const r = await lakeArgs('history', 'signals', '--json');
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(workdir, 'lake', 'signals', '_meta.json'), 'utf8'));
    const doc = lakeHistoryShape.parse(JSON.parse(r.stdout));
    expect(doc).toMatchObject({ schema: 'bf.lake.history/v1', engine: 'duckdb', table: 'signals' });
    expect(doc.history).toEqual([
      {
        version: null,
        timestamp: meta.writtenAt,
        operation: 'write',
        rows: meta.rows,
        files: 1,
        metrics: {},
      },
    ]);
  });
});

describe('bf lake verify', () => {
  it('reads every table in full and finds each consistent with its metadata', async () => {
    const r = await lakeArgs('verify', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = lakeVerifyShape.parse(JSON.parse(r.stdout));
    expect(report.schema).toBe('bf.lake.verify/v1');
    expect(report.first_problem).toBeNull();
    expect(report.tables).toHaveLength(10);
    expect(report.tables.every((t: { problem: string | null }) => t.problem === null)).toBe(true);
  });

  it('a truncated Parquet file fails with exit 1 naming the table and the file', async () => {
    const copy = damagedCopy();
    const file = join(copy, 'lake', 'breadth', 'breadth.parquet');
    truncateSync(file, 200);
    const r = await bf(['lake', 'verify', '--workdir', copy]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+breadth/m);
    expect(r.stderr).toMatch(/error: lake at .*: breadth: file breadth\.parquet is unreadable/);
    // --json: the same verdict as a document, and the same exit code.
    const j = await bf(['lake', 'verify', '--workdir', copy, '--json']);
    expect(j.code).toBe(1);
    const doc = lakeVerifyShape.parse(JSON.parse(j.stdout));
    expect(doc.first_problem).toMatch(/^breadth: file breadth\.parquet is unreadable/);
    expect(doc.tables.find((t) => t.table === 'breadth')?.problem).toMatch(/breadth\.parquet is unreadable/);
  });

  it('metadata that disagrees with the data (row count) fails with exit 1 naming both counts', async () => {
    const copy = damagedCopy();
    const path = join(copy, 'lake', 'signals', '_meta.json');
    const meta = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...meta, rows: meta.rows + 1 }));
    const r = await bf(['lake', 'verify', '--workdir', copy]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `signals: the files hold ${meta.rows} rows, the metadata says ${meta.rows + 1}`,
    );
  });

  it('a symbol missing from the data of prices fails naming the symbol', async () => {
    const copy = damagedCopy();
    const path = join(copy, 'lake', 'prices', '_meta.json');
    const meta = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...meta, symbols: [...meta.symbols, 'ZZZZ'] }));
    const r = await bf(['lake', 'verify', '--workdir', copy]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('prices: symbols differ from the metadata (not in the files: ZZZZ)');
  });
});

describe('bf lake verify names what interrupted runs left, without failing', () => {
  /** Starts `bf` and resolves with the child once `ready` holds (polled), so the test can SIGKILL it there. */
  async function killWhen(
    args: string[],
    env: Record<string, string>,
    ready: () => boolean,
  ): Promise<number> {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const deadline = Date.now() + 60_000;
    while (!ready()) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`bf ${args[0]} never got there`);
      await sleep(50);
    }
    const pid = child.pid as number;
    child.kill('SIGKILL');
    await exited;
    return pid;
  }

  it('a write SIGKILLed before its rename leaves a staging directory: listed with its pid, exit 0, gone after the next write', async () => {
    const copy = damagedCopy();
    const lakeDir = join(copy, 'lake');
    const staging = () => readdirSync(lakeDir).filter((e) => e.startsWith('.staging-prices-'));
    const fetchArgs = [
      'data',
      'fetch',
      '--symbol-list',
      'demo_small',
      '--source',
      'sample',
      '--workdir',
      copy,
    ];
    // A longer range than the pipeline's, so prices gets a new version; the test-only delay holds it before its rename.
    const pid = await killWhen(
      [...fetchArgs, '--start', '2023-06-01', '--end', '2024-12-31', '-q'],
      { [TEST_SWAP_DELAY_ENV]: '60000' },
      // Its _meta.json is written last, just before the delayed rename: the new version is whole by then.
      () => staging().some((d) => existsSync(join(lakeDir, d, '_meta.json'))),
    );
    expect(staging()).toHaveLength(1);

    const r = await bf(['lake', 'verify', '--workdir', copy]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/10 tables read in full, all consistent/);
    expect(r.stdout).toMatch(
      new RegExp(`staging-dir\\s+${lakeDir}/\\.staging-prices-${pid}-[0-9a-f]+\\s+pid ${pid}\\s+\\d+`),
    );
    expect(r.stdout).toMatch(
      /staging-dir: a table version a killed write never renamed in.*The next write to the lake/,
    );
    expect(r.stderr).toMatch(
      /warning: lake at .*: 1 leftover\(s\) of interrupted runs \(staging-dir; .*\).*verify does not fail/,
    );
    const doc = lakeVerifyShape.parse(
      JSON.parse((await bf(['lake', 'verify', '--workdir', copy, '--json'])).stdout),
    );
    expect(doc.first_problem).toBeNull();
    expect(doc.leftovers).toHaveLength(1);
    expect(doc.leftovers[0]).toMatchObject({ kind: 'staging-dir', run: `pid ${pid}` });
    expect(doc.leftovers[0]?.objects).toBeGreaterThan(0);
    expect(doc.leftovers[0]?.bytes).toBeGreaterThan(0);

    // The next write repairs first: the leftover is gone and verify lists nothing.
    const again = await bf([...fetchArgs, '--start', '2024-01-01', '--end', '2024-12-31', '-q']);
    expect(again.code, again.stderr).toBe(0);
    expect(staging()).toEqual([]);
    const after = lakeVerifyShape.parse(
      JSON.parse((await bf(['lake', 'verify', '--workdir', copy, '--json'])).stdout),
    );
    expect(after.leftovers).toEqual([]);
  }, 120_000);

  it("a DuckDB process SIGKILLed while spilling leaves its spill files: listed as spill, removed by the next bf run's engine", async () => {
    const copy = damagedCopy();
    // A real DuckDB spill into a directory named as the engine names its own (src/engines/duckdb/spill.ts).
    const script = `
      import { mkdirSync } from 'node:fs';
      import { DuckDBInstance } from '@duckdb/node-api';
      import { newSpillDir } from ${JSON.stringify(resolve(import.meta.dirname, '../../src/engines/duckdb/spill.ts'))};
      const dir = newSpillDir(${JSON.stringify(copy)});
      mkdirSync(dir, { recursive: true });
      const db = await DuckDBInstance.create(':memory:', { memory_limit: '64MB', temp_directory: dir, threads: '1' });
      const c = await db.connect();
      await c.run("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(6000000) ORDER BY s");
    `;
    const spill = join(copy, 'tmp', 'duckdb');
    const spilled = () =>
      existsSync(spill) &&
      readdirSync(spill).some((d) =>
        readdirSync(join(spill, d)).some((f) => statSync(join(spill, d, f)).size > 0),
      );
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: resolve(import.meta.dirname, '../..'),
      stdio: 'ignore',
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const deadline = Date.now() + 60_000;
    while (!spilled()) {
      expect(child.exitCode, 'the DuckDB child ended before it spilled').toBeNull();
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;

    const r = await bf(['lake', 'verify', '--workdir', copy, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = lakeVerifyShape.parse(JSON.parse(r.stdout));
    expect(doc.first_problem).toBeNull();
    expect(doc.leftovers).toHaveLength(1);
    const left = doc.leftovers[0];
    expect(left).toMatchObject({ kind: 'spill', run: `pid ${child.pid}` });
    expect(left?.location.startsWith(`${spill}/`)).toBe(true);
    expect(left?.bytes).toBeGreaterThan(0);
    expect(left?.note).toMatch(/next bf command that opens the embedded engine/);
    expect(r.stderr).toMatch(/warning: .*1 leftover\(s\) of interrupted runs \(spill;/);

    // Any command that opens the embedded engine sweeps it (signals generate reads the lake and writes).
    const next = await bf(['signals', 'generate', '--symbol-list', 'demo_small', '--workdir', copy, '-q']);
    expect(next.code, next.stderr).toBe(0);
    expect(existsSync(left?.location ?? '')).toBe(false);
    const after = lakeVerifyShape.parse(
      JSON.parse((await bf(['lake', 'verify', '--workdir', copy, '--json'])).stdout),
    );
    expect(after.leftovers).toEqual([]);
  }, 120_000);
});
