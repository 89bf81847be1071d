/**
 * The user's path from a directory of Yahoo CSVs, timed against two peers in the same run.
 *
 * For each size (default 300 and 3,000 symbols × 20 years, with late listings, delistings, halts and null rows;
 * bench/csv-market.ts) it runs, each as a child process measured by /usr/bin/time (wall, CPU = user + sys, peak
 * RSS of the process tree's largest member):
 *   bf data fetch --source csv:DIR        then   bf signals generate --out    (the two commands a user runs)
 *   bf pipeline run --source csv:DIR --out                                     (fetch → signals → backtest → report)
 *   polars: one lazy query from the CSVs to the same per-day counts
 *   DuckDB (Python): bf's own sql/features.sql + sql/breadth.sql over the CSVs
 *   bf's SQL alone: the same two files from bf's lake, on bf's DuckDB build and settings (bench/sql-from-lake.ts),
 *     the floor under `bf signals generate` (what is left is bf's own work: the features table, signals, files)
 * and checks that every peer agrees with bf's stored breadth on every day (advancers, decliners, unchanged, issues,
 * above SMA50 / SMA200, new 252-day highs / lows). Figures are printed with their ratio to polars; nothing is
 * asserted on time (timings are not tests). polars and duckdb are installed by pip into a venv under BF_CACHE
 * (default ~/.cache/bf/pyvenv), never into the repo.
 *
 *   node bench/csv-pipeline.ts [--symbols 300,3000] [--years 20] [--no-peers] [--keep]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeCsvMarket } from './csv-market.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'bf.js');
const CACHE = process.env.BF_CACHE ?? join(homedir(), '.cache', 'bf');
const VENV = join(CACHE, 'pyvenv');
const PYTHON = join(VENV, 'bin', 'python');
const PY_PACKAGES = ['polars', 'duckdb'];

/** The per-day counts every contestant produces, as bf's `breadth` table names them. */
export const COMPARED = [
  'advancers',
  'decliners',
  'unchanged',
  'issues',
  'above_sma50',
  'above_sma200',
  'new_highs',
  'new_lows',
] as const;

export interface Measure {
  name: string;
  wallS: number;
  cpuS: number;
  maxRssMiB: number;
}

export interface SizeResult {
  symbols: number;
  years: number;
  rows: number;
  mb: number;
  days: number;
  measures: Measure[];
  /** Per peer: days whose counts differ from bf's (0 = agrees on every day). */
  disagreements: Record<string, number>;
}

/** Runs a command under /usr/bin/time; throws with its stderr when it fails. */
export function timed(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Measure {
  const dir = mkdtempSync(join(tmpdir(), 'bf-bench-time-'));
  const out = join(dir, 'time');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', out, cmd, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${name} failed (exit ${r.status}):\n${r.stderr}`);
  const [wall, user, sys, rssKb] = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .at(-1)!
    .split(' ')
    .map(Number);
  rmSync(dir, { recursive: true, force: true });
  return { name, wallS: wall!, cpuS: user! + sys!, maxRssMiB: rssKb! / 1024 };
}

/** The cache venv with polars and duckdb, created with pip on first use. */
export function ensurePython(): string {
  if (!existsSync(PYTHON)) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  const probe = spawnSync(PYTHON, ['-c', `import ${PY_PACKAGES.join(', ')}`]);
  if (probe.status !== 0) {
    execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', ...PY_PACKAGES], { stdio: 'inherit' });
  }
  return PYTHON;
}

/** The CSV market for a size, generated once into the cache. */
export function marketFor(
  symbols: number,
  years: number,
  root = join(CACHE, 'bench'),
): {
  dir: string;
  list: string;
  rows: number;
  bytes: number;
} {
  const dir = join(root, `csv-${symbols}x${years}`);
  const stamp = join(root, `csv-${symbols}x${years}.json`);
  const list = join(root, `csv-${symbols}x${years}.list`);
  if (!existsSync(stamp) || !existsSync(list)) {
    mkdirSync(root, { recursive: true });
    const m = writeCsvMarket(dir, { symbols, years });
    writeFileSync(list, `${m.symbols.join('\n')}\n`);
    writeFileSync(stamp, JSON.stringify({ rows: m.rows, bytes: m.bytes }));
  }
  const { rows, bytes } = JSON.parse(readFileSync(stamp, 'utf8')) as { rows: number; bytes: number };
  return { dir, list, rows, bytes };
}

const POLARS = `
import sys, polars as pl
csv_dir, out = sys.argv[1], sys.argv[2]
schema = {'Date': pl.Date, 'Open': pl.Float64, 'High': pl.Float64, 'Low': pl.Float64, 'Close': pl.Float64,
          'Adj Close': pl.Float64, 'Volume': pl.Float64}
adj, prev, p = pl.col('adj'), pl.col('prev'), pl.col('p')
(pl.scan_csv(csv_dir + '/*.csv', schema=schema, null_values=['null', ''], include_file_paths='sym')
   .filter(pl.col('Close').is_not_null() & pl.col('Adj Close').is_not_null())
   .select(pl.col('sym'), pl.col('Date').alias('date'), pl.col('Adj Close').alias('adj'))
   .sort('sym', 'date')
   .with_columns(p=(adj * 1e6).round().cast(pl.Int64))
   .with_columns(
       prev=adj.shift(1).over('sym'),
       s50=p.rolling_sum(50).over('sym'),
       s200=p.rolling_sum(200).over('sym'),
       mx=adj.shift(1).rolling_max(252).over('sym'),
       mn=adj.shift(1).rolling_min(252).over('sym'))
   .group_by('date').agg(
       advancers=(adj > prev).sum(), decliners=(adj < prev).sum(), unchanged=(adj == prev).sum(),
       issues=pl.len(), above_sma50=(p * 50 > pl.col('s50')).sum(), above_sma200=(p * 200 > pl.col('s200')).sum(),
       new_highs=(adj > pl.col('mx')).sum(), new_lows=(adj < pl.col('mn')).sum())
   .sort('date')
   .sink_csv(out))
`;

const DUCKDB = `
import sys, duckdb
csv_dir, out, features, breadth = sys.argv[1:5]
con = duckdb.connect()
con.execute(f"""CREATE VIEW prices AS
  SELECT parse_filename(filename, true) AS symbol, "Date" AS date, "Adj Close" AS adj_close
  FROM read_csv('{csv_dir}/*.csv', header = true, nullstr = ['null', ''], filename = true,
    columns = {{'Date': 'DATE', 'Open': 'DOUBLE', 'High': 'DOUBLE', 'Low': 'DOUBLE', 'Close': 'DOUBLE',
               'Adj Close': 'DOUBLE', 'Volume': 'DOUBLE'}})
  WHERE "Close" IS NOT NULL AND "Adj Close" IS NOT NULL""")
con.execute("CREATE VIEW features AS " + open(features).read())
con.execute(f"COPY ({open(breadth).read()}) TO '{out}' (HEADER)")
`;

/** Days on which `peerCsv`'s counts differ from bf's stored breadth (either side missing a day counts too). */
export async function disagreeingDays(bfBreadthParquet: string, peerCsv: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const cols = ['date', ...COMPARED].join(', ');
    const bf = `SELECT ${cols} FROM read_parquet('${bfBreadthParquet}')`;
    const peer = `SELECT ${['CAST(date AS DATE) AS date', ...COMPARED.map((c) => `CAST(${c} AS BIGINT) AS ${c}`)].join(', ')}
      FROM read_csv('${peerCsv}', header = true)`;
    const r = await conn.runAndReadAll(
      `SELECT (SELECT count(*) FROM (${bf} EXCEPT ${peer})) + (SELECT count(*) FROM (${peer} EXCEPT ${bf}))`,
    );
    return Number(r.getRowsJS()[0]![0]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** One size: bf's commands, then the peers, then the agreement check. */
export async function runSize(opts: {
  symbols: number;
  years: number;
  peers: boolean;
  marketRoot?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<SizeResult> {
  const market = marketFor(opts.symbols, opts.years, opts.marketRoot);
  const work = mkdtempSync(join(tmpdir(), 'bf-bench-csv-'));
  try {
    const node = process.execPath;
    const wd = join(work, 'wd');
    const csv = `csv:${market.dir}`;
    const list = ['--symbol-list', market.list];
    const measures = [
      timed(
        'bf data fetch',
        node,
        [BIN, 'data', 'fetch', ...list, '--source', csv, '--workdir', wd, '-q'],
        opts.env,
      ),
      timed(
        'bf signals generate',
        node,
        [BIN, 'signals', 'generate', ...list, '--workdir', wd, '--out', join(work, 'out'), '-q'],
        opts.env,
      ),
    ];
    const [fetch, signals] = measures as [Measure, Measure];
    measures.push({
      name: 'bf fetch + signals',
      wallS: fetch.wallS + signals.wallS,
      cpuS: fetch.cpuS + signals.cpuS,
      maxRssMiB: Math.max(fetch.maxRssMiB, signals.maxRssMiB),
    });
    measures.push(
      timed(
        'bf pipeline run',
        node,
        [
          BIN,
          'pipeline',
          'run',
          ...list,
          '--source',
          csv,
          '--workdir',
          join(work, 'wd2'),
          '--out',
          join(work, 'out2'),
          '-q',
        ],
        opts.env,
      ),
    );
    const bfBreadth = join(wd, 'lake', 'breadth', 'breadth.parquet');
    const disagreements: Record<string, number> = {};
    const sqlOut = join(work, 'sql-from-lake.csv');
    measures.push(
      timed(
        "bf's SQL alone, from the lake",
        node,
        [
          join(ROOT, 'bench', 'sql-from-lake.ts'),
          join(wd, 'lake', 'prices', 'prices.parquet'),
          sqlOut,
          join(work, 'sql-spill'),
        ],
        opts.env,
      ),
    );
    disagreements["bf's SQL alone"] = await disagreeingDays(bfBreadth, sqlOut);
    if (opts.peers) {
      const python = ensurePython();
      const polarsOut = join(work, 'polars.csv');
      writeFileSync(join(work, 'polars_job.py'), POLARS);
      measures.push(
        timed('polars (lazy, from CSV)', python, [join(work, 'polars_job.py'), market.dir, polarsOut]),
      );
      disagreements.polars = await disagreeingDays(bfBreadth, polarsOut);
      const duckOut = join(work, 'duckdb.csv');
      writeFileSync(join(work, 'duckdb_job.py'), DUCKDB);
      measures.push(
        timed('DuckDB-from-CSV (bf SQL)', python, [
          join(work, 'duckdb_job.py'),
          market.dir,
          duckOut,
          join(ROOT, 'sql', 'features.sql'),
          join(ROOT, 'sql', 'breadth.sql'),
        ]),
      );
      disagreements.duckdb = await disagreeingDays(bfBreadth, duckOut);
    }
    const days =
      readFileSync(join(work, 'out', 'breadth.csv'), 'utf8')
        .trim()
        .split('\n').length - 1;
    return {
      symbols: opts.symbols,
      years: opts.years,
      rows: market.rows,
      mb: market.bytes / 1e6,
      days,
      measures,
      disagreements,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatSize(r: SizeResult): string {
  const peer = r.measures.find((m) => m.name.startsWith('polars'));
  const lines = [
    `\n${r.symbols} symbols × ${r.years} years: ${r.rows.toLocaleString('en-US')} rows, ${r.mb.toFixed(0)} MB of CSV, ${r.days} days`,
    `| contestant | wall s | CPU s | peak RSS MiB | wall / polars |`,
    `|---|---|---|---|---|`,
  ];
  for (const m of r.measures) {
    const ratio = peer ? `${(m.wallS / peer.wallS).toFixed(2)}×` : '-';
    lines.push(
      `| ${m.name} | ${m.wallS.toFixed(2)} | ${m.cpuS.toFixed(2)} | ${m.maxRssMiB.toFixed(0)} | ${ratio} |`,
    );
  }
  for (const [name, n] of Object.entries(r.disagreements)) {
    lines.push(
      n === 0 ? `${name} agrees with bf on all ${r.days} days` : `${name} DISAGREES with bf on ${n} day rows`,
    );
  }
  return lines.join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      symbols: { type: 'string', default: '300,3000' },
      years: { type: 'string', default: '20' },
      'no-peers': { type: 'boolean', default: false },
    },
  });
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(`bench/csv-pipeline.ts — ${new Date().toISOString()}, load average ${load}\n`);
  let bad = false;
  for (const n of values.symbols.split(',').map(Number)) {
    const r = await runSize({ symbols: n, years: Number(values.years), peers: !values['no-peers'] });
    process.stdout.write(`${formatSize(r)}\n`);
    if (Object.values(r.disagreements).some((d) => d > 0)) bad = true;
  }
  if (bad) process.exitCode = 1;
}
