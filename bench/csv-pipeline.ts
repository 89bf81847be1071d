/**
 * The user's path from a directory of Yahoo CSVs, timed against peers in the same run.
 *
 * For each size (default 300 and 3,000 symbols × 20 years, with late listings, delistings, halts and null rows;
 * bench/csv-market.ts) it runs, each as a child process measured by /usr/bin/time (wall, CPU = user + sys, peak
 * RSS of the process tree's largest member):
 *   bf data fetch --source csv:DIR        then   bf signals generate --out    (the two commands a user runs)
 *   bf pipeline run --source csv:DIR --out                                     (fetch → signals → backtest → report)
 *   polars: one lazy query from the CSVs to the same per-day counts
 *   DuckDB (Python): bf's own sql/features.sql + sql/breadth.sql over the CSVs
 *   pandas: read_csv per file, concat, rolling windows over the sorted frame, groupby date  (slow: --skip-slow)
 *   PySpark local[2]: bf's own sql/features.sql + sql/breadth.sql over the CSVs             (slow: --skip-slow)
 *   bf's SQL alone: the same two files from bf's lake, on bf's DuckDB build and settings (bench/sql-from-lake.ts),
 *     the floor under `bf signals generate` (what is left is bf's own work: the features table, signals, files)
 * and checks that every peer agrees with bf's stored breadth on every day (advancers, decliners, unchanged, issues,
 * above SMA50 / SMA200, new 252-day highs / lows). Figures are printed with their ratio to polars; nothing is
 * asserted on time (timings are not tests). The peers' packages (polars, duckdb, pandas, pyspark) are installed by
 * pip into a venv under BF_CACHE (default ~/.cache/bf/pyvenv), never into the repo; PySpark needs Java 17+ on PATH.
 *
 *   node bench/csv-pipeline.ts [--symbols 300,3000] [--years 20] [--no-peers | --skip-slow]
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

/** The peers, in the order they run, and the pip package each needs. */
export const PEERS = {
  polars: 'polars',
  duckdb: 'duckdb',
  pandas: 'pandas',
  pyspark: 'pyspark',
} as const;
export type Peer = keyof typeof PEERS;
export const ALL_PEERS = Object.keys(PEERS) as Peer[];
/** Minutes, not seconds, at 3,000 × 20 (PySpark) or several times the others (pandas): `--skip-slow` leaves them out. */
export const SLOW_PEERS: readonly Peer[] = ['pandas', 'pyspark'];

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
  /** CPU and RSS miss part of the work (a process the timed one never waits for): only wall time counts. */
  wallOnly?: boolean;
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

/** The cache venv with the peers' packages, created and filled with pip on first use. */
export function ensurePython(peers: readonly Peer[]): string {
  if (!existsSync(PYTHON)) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  const missing = peers.filter((p) => !pythonHas(p));
  if (missing.length > 0) {
    execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', ...missing.map((p) => PEERS[p])], {
      stdio: 'inherit',
    });
  }
  return PYTHON;
}

/** Whether the cache venv can already run `peer` (nothing is installed). */
export function pythonHas(peer: Peer): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${PEERS[peer]}`]).status === 0;
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

const PANDAS = `
import sys, glob, os, pandas as pd
csv_dir, out = sys.argv[1], sys.argv[2]
cols = ['Date', 'Close', 'Adj Close']
frames = []
for path in sorted(glob.glob(csv_dir + '/*.csv')):
    f = pd.read_csv(path, usecols=cols, dtype={'Date': str, 'Close': float, 'Adj Close': float},
                    na_values=['null', ''], keep_default_na=False)
    f = f[f['Close'].notna() & f['Adj Close'].notna()]
    frames.append(pd.DataFrame({'sym': os.path.basename(path)[:-4], 'date': f['Date'], 'adj': f['Adj Close']}))
df = pd.concat(frames, ignore_index=True).sort_values(['sym', 'date'], kind='stable', ignore_index=True)
# Windows over the whole sorted frame, masked where they would reach into the previous symbol.
n = df.groupby('sym', sort=False).cumcount()
p = (df['adj'] * 1e6).round().astype('int64')
prev = df['adj'].shift(1).where(n >= 1)
s50 = p.rolling(50).sum().where(n >= 49)
s200 = p.rolling(200).sum().where(n >= 199)
past = df['adj'].shift(1)
mx = past.rolling(252).max().where(n >= 252)
mn = past.rolling(252).min().where(n >= 252)
adj = df['adj']
flags = pd.DataFrame({'date': df['date'], 'advancers': adj > prev, 'decliners': adj < prev, 'unchanged': adj == prev,
    'issues': 1, 'above_sma50': p * 50 > s50, 'above_sma200': p * 200 > s200, 'new_highs': adj > mx,
    'new_lows': adj < mn})
flags.groupby('date', sort=True).sum().astype('int64').reset_index().to_csv(out, index=False)
`;

const PYSPARK = `
import sys, csv
from pyspark.sql import SparkSession
csv_dir, out, features, breadth = sys.argv[1:5]
spark = (SparkSession.builder.master('local[2]').appName('bf-bench-peer')
    .config('spark.driver.memory', '2g').config('spark.sql.shuffle.partitions', '16')
    .config('spark.ui.enabled', 'false').getOrCreate())
spark.sparkContext.setLogLevel('ERROR')
schema = 'Date DATE, Open DOUBLE, High DOUBLE, Low DOUBLE, Close DOUBLE, AdjClose DOUBLE, Volume DOUBLE'
# The header is skipped and the columns named by the schema (Spark's CSV reader maps by position).
(spark.read.csv(csv_dir + '/*.csv', schema=schema, header=True, nullValue='null', enforceSchema=True)
    .createOrReplaceTempView('raw'))
spark.sql("""CREATE TEMP VIEW prices AS
  SELECT regexp_extract(input_file_name(), '([^/]+)[.]csv$', 1) AS symbol, Date AS date, AdjClose AS adj_close
  FROM raw WHERE Close IS NOT NULL AND AdjClose IS NOT NULL""")
spark.sql('CREATE TEMP VIEW features AS ' + open(features).read().strip().rstrip(';'))
rows = spark.sql(open(breadth).read().strip().rstrip(';')).collect()
with open(out, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(rows[0].__fields__ if rows else [])
    for r in rows:
        w.writerow(['' if v is None else v for v in r])
spark.stop()
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
  /** The peers to run after bf's commands, in this order (none: bf alone). */
  peers: readonly Peer[];
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
    const python = opts.peers.length > 0 ? ensurePython(opts.peers) : '';
    const sql = [join(ROOT, 'sql', 'features.sql'), join(ROOT, 'sql', 'breadth.sql')];
    const jobs: Record<Peer, { label: string; script: string; args: string[] }> = {
      polars: { label: 'polars (lazy, from CSV)', script: POLARS, args: [] },
      duckdb: { label: 'DuckDB-from-CSV (bf SQL)', script: DUCKDB, args: sql },
      pandas: { label: 'pandas (read_csv, rolling)', script: PANDAS, args: [] },
      pyspark: { label: 'PySpark local[2] (bf SQL)', script: PYSPARK, args: sql },
    };
    // PySpark's JVM is started by py4j and never waited for, so /usr/bin/time counts Python's share only.
    const wallOnly: readonly Peer[] = ['pyspark'];
    for (const peer of opts.peers) {
      const job = jobs[peer];
      const out = join(work, `${peer}.csv`);
      writeFileSync(join(work, `${peer}_job.py`), job.script);
      const m = timed(job.label, python, [join(work, `${peer}_job.py`), market.dir, out, ...job.args]);
      measures.push(wallOnly.includes(peer) ? { ...m, wallOnly: true } : m);
      disagreements[peer] = await disagreeingDays(bfBreadth, out);
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
      m.wallOnly
        ? `| ${m.name} | ${m.wallS.toFixed(2)} | n/a (JVM not counted) | n/a | ${ratio} |`
        : `| ${m.name} | ${m.wallS.toFixed(2)} | ${m.cpuS.toFixed(2)} | ${m.maxRssMiB.toFixed(0)} | ${ratio} |`,
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
      'skip-slow': { type: 'boolean', default: false },
    },
  });
  const peers = values['no-peers']
    ? []
    : ALL_PEERS.filter((p) => !(values['skip-slow'] && SLOW_PEERS.includes(p)));
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(`bench/csv-pipeline.ts — ${new Date().toISOString()}, load average ${load}\n`);
  let bad = false;
  for (const n of values.symbols.split(',').map(Number)) {
    const r = await runSize({ symbols: n, years: Number(values.years), peers });
    process.stdout.write(`${formatSize(r)}\n`);
    if (Object.values(r.disagreements).some((d) => d > 0)) bad = true;
  }
  if (bad) process.exitCode = 1;
}
