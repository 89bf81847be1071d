/**
 * One new day on a long history: the nightly run of issue 11 §3, timed next to the full recompute in the same run.
 *
 * On the CSV benchmark's market (bench/csv-market.ts, cached by bench/csv-pipeline.ts; default 3,000 symbols × 20
 * years with late listings, delistings, halts and null rows) it runs the commands a user runs, each a child process
 * under /usr/bin/time (wall, CPU = user + sys, peak RSS):
 *   bf data fetch --end <day before the last>        (setup: the history)
 *   bf signals generate --out                         (first run: full recompute, nothing stored)
 *   bf data fetch --start D --end D                   (the new day D, from one-day CSVs, as a nightly download gives them)
 *   bf signals generate --out                         (incremental), repeated from a copy of the workdir
 *   bf signals generate --out --full                  (the peer: the same work recomputed in full)
 * and checks that the incremental and full outputs are byte-identical. To show where an incremental run's time
 * goes, it also times `bf --version` (Node start and the CLI's imports), a run with nothing to recompute (start,
 * DuckDB, the lake lock, reading breadth, the signals, storing them, the report files) and an incremental run
 * without --out (no report files). Nothing is asserted on time.
 *
 *   flock /tmp/bf-bench.lock node bench/incremental.ts [--symbols 3000] [--years 20] [--rounds 3] [--keep]
 *     [--setup DIR]
 *
 * --setup DIR keeps the setup (the history's lake after the first run, and the same after the new day's fetch) in
 * DIR and reuses it on the next run with the same size: the timed runs then start in a minute instead of five. The
 * setup's rows are then the reusing run's, not measured. The kept state is the one the code of the first run wrote:
 * after a change to the state's layout, remove DIR (a run that says `full recompute` instead of `incremental`
 * makes the bench fail). A setup whose `breadth_series` was written without a rows digest (bf before its append)
 * times one rewrite of that table instead of the append of a nightly run.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { businessDays } from '../src/sources/sample.ts';
import { CSV_MARKET_START } from './csv-market.ts';
import { type Measure, marketFor, timed } from './csv-pipeline.ts';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'bf.js');
const TRADING_DAYS_PER_YEAR = 252;

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The last two business days of the cached market (the generator's own calendar). */
function lastTwoDays(years: number): [string, string] {
  const count = years * TRADING_DAYS_PER_YEAR;
  const endGuess = new Date(Date.parse(`${CSV_MARKET_START}T00:00:00Z`) + count * 1.45 * 86_400_000);
  const days = businessDays(CSV_MARKET_START, endGuess.toISOString().slice(0, 10)).slice(0, count);
  return [days.at(-2)!, days.at(-1)!];
}

/** A workdir copy whose table files are hard links (the lake never rewrites a file in place), lock file apart. */
function snapshot(from: string, to: string): void {
  execFileSync('cp', ['-al', from, to]);
  rmSync(join(to, 'lake.lock'), { force: true });
}

/** `<dir>/<SYMBOL>.csv` with only `day`'s row, for each symbol that has a usable bar that day; returns a list file. */
function oneDayCsvs(marketDir: string, day: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const symbols: string[] = [];
  for (const f of readdirSync(marketDir).filter((n) => n.endsWith('.csv'))) {
    const text = readFileSync(join(marketDir, f), 'utf8');
    const row = text.slice(text.lastIndexOf('\n', text.length - 2) + 1).trim();
    if (!row.startsWith(`${day},`) || row.includes('null')) continue;
    writeFileSync(join(dir, f), `${text.slice(0, text.indexOf('\n'))}\n${row}\n`);
    symbols.push(f.slice(0, -'.csv'.length));
  }
  const list = join(dir, '..', 'new-day.txt');
  writeFileSync(list, `${symbols.join('\n')}\n`);
  return list;
}

/** A bf command under /usr/bin/time, its stderr kept in `stderrFile` (and shown when it fails); `env` adds to this process's. */
export function bfTimed(
  name: string,
  args: string[],
  stderrFile: string,
  env: NodeJS.ProcessEnv = {},
): Measure {
  try {
    return timed(
      name,
      'bash',
      ['-c', 'exec "$0" "$@" 2>"$BF_BENCH_STDERR"', process.execPath, BIN, ...args],
      {
        ...env,
        BF_BENCH_STDERR: stderrFile,
      },
    );
  } catch (err) {
    const said = existsSync(stderrFile) ? readFileSync(stderrFile, 'utf8') : '';
    throw new Error(`${name} failed: ${(err as Error).message}\n${said}`);
  }
}

export async function runIncrementalBench(opts: {
  symbols: number;
  years: number;
  rounds: number;
  keep?: boolean;
  /** Where the CSV market is cached (default the benchmarks' cache). */
  marketRoot?: string;
  /** Keep the setup here and reuse it (see the header). */
  setup?: string;
}): Promise<string> {
  const market = marketFor(opts.symbols, opts.years, opts.marketRoot);
  const [before, last] = lastTwoDays(opts.years);
  const root = mkdtempSync(join(tmpdir(), 'bf-bench-incremental-'));
  const wd = join(root, 'wd');
  const src = ['--source', `csv:${market.dir}`, '--symbol-list', market.list, '--quiet'];
  const gen = (workdir: string, out: string | null, ...flags: string[]) => [
    'signals',
    'generate',
    '--symbol-list',
    market.list,
    '--workdir',
    workdir,
    ...(out ? ['--out', out] : []),
    ...flags,
  ];
  let n = 0;
  const err = () => join(root, `stderr-${n++}.txt`);
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };
  say(
    `bench/incremental.ts — ${new Date().toISOString()}, ${opts.symbols} symbols × ${opts.years} years (${market.rows.toLocaleString('en-US')} CSV rows), new day ${last}, load average ${load()}`,
  );
  const kept = opts.setup ? join(resolve(opts.setup), `${opts.symbols}x${opts.years}-${last}`) : null;
  const reused = kept !== null && existsSync(join(kept, 'done'));
  try {
    const notMeasured = (name: string): Measure => ({
      name: `${name} (reused)`,
      wallS: NaN,
      cpuS: NaN,
      maxRssMiB: NaN,
    });
    let setup = notMeasured('bf data fetch (history, setup)');
    let first = notMeasured('bf signals generate (first run, full)');
    let fetchDay = notMeasured('bf data fetch (the new day)');
    const snap = join(root, 'snap');
    if (reused) {
      snapshot(join(kept!, 'snap'), snap);
    } else {
      setup = bfTimed(
        'bf data fetch (history, setup)',
        ['data', 'fetch', ...src, '--workdir', wd, '--end', before],
        err(),
      );
      first = bfTimed('bf signals generate (first run, full)', gen(wd, join(root, 'out-first')), err());
      if (kept) {
        rmSync(kept, { recursive: true, force: true });
        mkdirSync(kept, { recursive: true });
        snapshot(wd, join(kept, 'history'));
      }
      // The nightly download: one file per symbol holding only the new day (what a one-day Yahoo request gives).
      const dayDir = join(root, 'new-day');
      const dayList = oneDayCsvs(market.dir, last, dayDir);
      fetchDay = bfTimed(
        'bf data fetch (the new day)',
        // --start/--end as a nightly user gives them: the day asked for, nothing else.
        [
          'data',
          'fetch',
          '--source',
          `csv:${dayDir}`,
          '--symbol-list',
          dayList,
          '--start',
          last,
          '--end',
          last,
          '--quiet',
          '--workdir',
          wd,
        ],
        err(),
      );
      snapshot(wd, snap);
      if (kept) {
        snapshot(wd, join(kept, 'snap'));
        writeFileSync(join(kept, 'done'), `${new Date().toISOString()}\n`);
      }
    }

    const incr: Measure[] = [];
    const bare: Measure[] = [];
    const full: Measure[] = [];
    const idle: Measure[] = [];
    const version: Measure[] = [];
    let path = '';
    for (let i = 0; i < opts.rounds; i++) {
      const w = join(root, `incr-${i}`);
      snapshot(snap, w);
      const errFile = err();
      incr.push(bfTimed('bf signals generate --out (incremental)', gen(w, join(root, 'out-incr')), errFile));
      path = readFileSync(errFile, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('incremental:') || l.startsWith('full recompute:'))!;
      // Nothing changed since: the fixed cost of any run.
      idle.push(bfTimed('bf signals generate --out (nothing new)', gen(w, join(root, 'out-idle')), err()));
      const b = join(root, `bare-${i}`);
      snapshot(snap, b);
      bare.push(bfTimed('bf signals generate (incremental, no --out)', gen(b, null), err()));
      version.push(bfTimed('bf --version', ['--version'], err()));
      rmSync(w, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
    for (let i = 0; i < Math.max(1, Math.min(2, opts.rounds)); i++) {
      const w = join(root, `full-${i}`);
      snapshot(snap, w);
      full.push(bfTimed('bf signals generate --out --full', gen(w, join(root, 'out-full'), '--full'), err()));
      rmSync(w, { recursive: true, force: true });
    }
    const same = ['breadth.csv', 'signals.csv'].every(
      (f) =>
        readFileSync(join(root, 'out-incr', f), 'utf8') === readFileSync(join(root, 'out-full', f), 'utf8'),
    );
    const pick = (ms: Measure[]): Measure => {
      const wall = median(ms.map((m) => m.wallS));
      return ms.find((m) => m.wallS === wall)!;
    };
    const fullM = pick(full);
    const row = (m: Measure, n: number) =>
      Number.isNaN(m.wallS)
        ? `| ${m.name} | - | - | - | - |`
        : `| ${m.name}${n > 1 ? ` (median of ${n})` : ''} | ${m.wallS.toFixed(2)} | ${m.cpuS.toFixed(2)} | ${m.maxRssMiB.toFixed(0)} | ${(m.wallS / fullM.wallS).toFixed(3)}× |`;
    say('| step | wall s | CPU s | peak RSS MiB | wall / full recompute |');
    say('|---|---|---|---|---|');
    for (const [m, n] of [
      [setup, 1],
      [first, 1],
      [fetchDay, 1],
      [pick(incr), incr.length],
      [fullM, full.length],
      [pick(bare), bare.length],
      [pick(idle), idle.length],
      [pick(version), version.length],
    ] as [Measure, number][]) {
      say(row(m, n));
    }
    say(`incremental run said: ${path}`);
    if (!path.startsWith('incremental:')) {
      say('the incremental run recomputed in full (a --setup from an older state layout? remove it)');
      process.exitCode = 1;
    }
    say(
      same
        ? 'incremental and full outputs (breadth.csv, signals.csv) are byte-identical'
        : 'incremental and full outputs DIFFER',
    );
    say(`load average after: ${load()}`);
    if (!same) process.exitCode = 1;
    return lines.join('\n');
  } finally {
    if (opts.keep) process.stdout.write(`kept ${root}\n`);
    else rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      symbols: { type: 'string', default: '3000' },
      years: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
      report: { type: 'string' },
      setup: { type: 'string' },
    },
  });
  const text = await runIncrementalBench({
    symbols: Number(values.symbols),
    years: Number(values.years),
    rounds: Number(values.rounds),
    keep: values.keep,
    setup: values.setup,
  });
  if (values.report) writeFileSync(values.report, `${text}\n`);
}
