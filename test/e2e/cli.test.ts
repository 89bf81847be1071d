import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleSource } from '../../src/sources/sample.ts';
import { silentLogger } from '../../src/util/log.ts';

// The CLI as a user runs it: a child process of bin/bf.js, judged by exit code, stdout, stderr and files.
const BIN = resolve(import.meta.dirname, '../../bin/bf.js');
const FIXTURES = resolve(import.meta.dirname, '../fixtures/yahoo');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function bf(
  args: string[],
  env: Record<string, string> = {},
  user: { uid?: number; gid?: number; node?: string } = {},
): Promise<Run> {
  const { node = process.execPath, ...ids } = user;
  return new Promise((done) => {
    execFile(
      node,
      [BIN, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, ...ids },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

const tmp = () => mkdtempSync(join(tmpdir(), 'bf-e2e-'));

describe('bf pipeline run on the embedded engine', () => {
  it('writes every output file with the documented columns, labelled synthetic', async () => {
    const dir = tmp();
    const out = join(dir, 'out');
    const r = await bf([
      'pipeline',
      'run',
      '--symbol-list',
      'demo_small',
      '--source',
      'sample',
      '--workdir',
      join(dir, 'wd'),
      '--out',
      out,
      '--end',
      '2025-06-30',
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    for (const f of [
      'breadth.csv',
      'signals.csv',
      'metrics.json',
      'trades.csv',
      'forward_returns.csv',
      'equity.svg',
      'report.html',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const breadth = readFileSync(join(out, 'breadth.csv'), 'utf8').split('\n');
    expect(breadth[0]).toMatch(/^date,advancers,decliners,unchanged,/);
    expect(breadth[0]).toContain('zweig_ema10');
    expect(breadth[0]).toContain('mcclellan_osc');
    // Shares of symbols are fractions, and their names say so (renamed from pct_above_sma50/200).
    const head = breadth[0]!.split(',');
    expect(head).not.toContain('pct_above_sma50');
    const shares = ['frac_above_sma50', 'frac_above_sma200'].map((c) => head.indexOf(c));
    expect(shares.every((i) => i > 0)).toBe(true);
    const values = breadth
      .slice(1)
      .filter(Boolean)
      .flatMap((l) => shares.map((i) => l.split(',')[i]!))
      .filter((v) => v !== '')
      .map(Number);
    expect(values.length).toBeGreaterThan(100);
    expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(values.some((v) => v > 0 && v < 1)).toBe(true);
    const signals = readFileSync(join(out, 'signals.csv'), 'utf8').trim().split('\n');
    expect(signals[0]).toBe('date,signal,value');
    expect(signals.length).toBeGreaterThan(1);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.run.synthetic).toBe(true);
    expect(Object.keys(metrics.signals)).toContain('zweig_breadth_thrust');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('SYNTHETIC');
    expect(readFileSync(join(out, 'equity.svg'), 'utf8')).toMatch(/^<svg/);
    expect(r.stdout).toContain('zweig_breadth_thrust');
  });

  it('gives the same signals on a second identical run (the lake merge is idempotent)', async () => {
    const dir = tmp();
    const args = [
      'pipeline',
      'run',
      '--source',
      'sample',
      '--workdir',
      join(dir, 'wd'),
      '--end',
      '2025-06-30',
      '--json',
      '-q',
    ];
    const first = JSON.parse((await bf(args)).stdout);
    const second = JSON.parse((await bf(args)).stdout);
    expect(second.firings).toEqual(first.firings);
    expect(second.bars).toBe(first.bars);
    expect(first.firings.length).toBeGreaterThan(0);
  });

  it('runs on a directory of Yahoo CSVs with a list file, counting rows with null values', async () => {
    const dir = tmp();
    const csvDir = join(dir, 'prices');
    mkdirSync(csvDir);
    const symbols = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
    const { bars } = await createSampleSource().fetch(
      symbols,
      { start: '2022-01-03', end: '2024-12-31' },
      silentLogger,
    );
    for (const s of symbols) {
      const rows = bars
        .filter((b) => b.symbol === s)
        .map((b) => [b.date, b.open, b.high, b.low, b.close, b.adjClose, b.volume].join(','));
      rows.splice(10, 0, '2022-01-22,null,null,null,null,null,null'); // Yahoo's way of saying "no data" (a date with no other row)
      writeFileSync(
        join(csvDir, `${s}.csv`),
        `Date,Open,High,Low,Close,Adj Close,Volume\n${rows.join('\n')}\n`,
      );
    }
    const list = join(dir, 'mine.txt');
    writeFileSync(list, `# my list\n${symbols.join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await bf([
      'pipeline',
      'run',
      '--symbol-list',
      list,
      '--source',
      `csv:${csvDir}`,
      '--start',
      '2022-01-01',
      '--end',
      '2024-12-31',
      '--workdir',
      join(dir, 'wd'),
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/6 row\(s\) with null/);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.run.synthetic).toBe(false);
    expect(metrics.run.symbol_list).toBe('mine');
    const breadth = readFileSync(join(out, 'breadth.csv'), 'utf8').trim().split('\n');
    // One row per trading date in the union of the files; the first date gives no advance/decline.
    expect(breadth[1]).toMatch(/^2022-01-03,0,0,0,/);
  });
});

describe('one bad symbol never sinks a run', () => {
  /** Three good CSVs, one symbol with no file and one UTF-16 file (a spreadsheet's "Unicode text" export). */
  async function csvWithBadSymbols() {
    const dir = tmp();
    const csvDir = join(dir, 'prices');
    mkdirSync(csvDir);
    const good = ['AAA', 'BBB', 'CCC'];
    const { bars } = await createSampleSource().fetch(
      good,
      { start: '2022-01-03', end: '2023-12-29' },
      silentLogger,
    );
    const header = 'Date,Open,High,Low,Close,Adj Close,Volume';
    for (const s of good) {
      const rows = bars
        .filter((b) => b.symbol === s)
        .map((b) => [b.date, b.open, b.high, b.low, b.close, b.adjClose, b.volume].join(','));
      writeFileSync(join(csvDir, `${s}.csv`), `${header}\n${rows.join('\n')}\n`);
    }
    writeFileSync(
      join(csvDir, 'UTF.csv'),
      Buffer.from(`\ufeff${header}\n2022-01-03,1,1,1,1,1,1\n`, 'utf16le'),
    );
    const list = join(dir, 'mine.txt');
    writeFileSync(list, 'AAA\nBBB\nCCC\nFFF\nUTF\n');
    const args = [
      'pipeline',
      'run',
      '--symbol-list',
      list,
      '--source',
      `csv:${csvDir}`,
      '--start',
      '2022-01-01',
    ];
    args.push('--end', '2023-12-31', '--workdir', join(dir, 'wd'), '--out', join(dir, 'out'));
    return { dir, csvDir, out: join(dir, 'out'), args };
  }

  it('runs on with the symbols that have data and names each skipped one and why: stderr, stdout, metrics.json, report', async () => {
    const { csvDir, out, args } = await csvWithBadSymbols();
    const r = await bf(args);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `2 of 5 symbols skipped (no prices): FFF (file not found: ${csvDir}/FFF.csv); UTF (`,
    );
    expect(r.stdout).toContain('skipped 2 symbol(s) without prices: FFF, UTF');
    // The UTF-16 file is named as such (its bytes are not echoed): no control character reaches the terminal.
    expect(r.stderr).toContain(`${csvDir}/UTF.csv is UTF-16 text; save it as UTF-8`);
    expect(r.stderr).not.toContain('\u0000');
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.run.skipped_symbols.map((f: { symbol: string }) => f.symbol)).toEqual(['FFF', 'UTF']);
    expect(metrics.run.skipped_symbols[0].reason).toBe(`file not found: ${csvDir}/FFF.csv`);
    expect(metrics.run.skipped_symbols[1].reason).toMatch(/UTF\.csv is UTF-16 text/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Skipped symbols (2)</h2>');
    expect(html).toContain(`<td>FFF</td><td>file not found: ${csvDir}/FFF.csv</td>`);
    expect(html).not.toContain('\u0000');
    expect(html).toContain('UTF.csv is UTF-16 text');
    // Breadth counts the three symbols with data only.
    expect(readFileSync(join(out, 'breadth.csv'), 'utf8').split('\n').at(-2)).toMatch(/,3,[-0-9.e]+$/);
  });

  it('fails (exit 1) naming the skipped symbols when fewer than --min-symbols have data, writing no report', async () => {
    const { out, args } = await csvWithBadSymbols();
    const r = await bf([...args, '--min-symbols', '4']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /only 3 of 5 symbols of mine have prices, fewer than the 4 required \(--min-symbols\)/,
    );
    expect(r.stderr).toMatch(/skipped: FFF \(file not found[^)]*\); UTF \(/);
    expect(existsSync(out)).toBe(false);
  });

  it('runs when exactly --min-symbols have data', async () => {
    const { args } = await csvWithBadSymbols();
    expect((await bf([...args, '--min-symbols', '3'])).code).toBe(0);
  });

  it('rejects --min-symbols 0 as bad usage', async () => {
    const { args } = await csvWithBadSymbols();
    const r = await bf([...args, '--min-symbols', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--min-symbols must be a positive whole number, got "0"/);
  });
});

describe('bad input gets a specific error and a non-zero exit', () => {
  const cases: [string, string[], number, RegExp][] = [
    [
      'unknown symbol list',
      ['pipeline', 'run', '--symbol-list', 'nope_list'],
      2,
      /unknown symbol list "nope_list".*\n.*demo_small/,
    ],
    [
      'missing list file',
      ['data', 'fetch', '--symbol-list', './missing/list.txt'],
      2,
      /symbol list file not found: \.\/missing\/list\.txt/,
    ],
    ['unknown source', ['data', 'fetch', '--source', 'bloomberg'], 2, /unknown source "bloomberg"/],
    [
      'csv dir missing',
      ['data', 'fetch', '--source', 'csv:/no/such/dir'],
      2,
      /csv source directory not found: \/no\/such\/dir/,
    ],
    [
      'bad date',
      ['data', 'fetch', '--start', '2024-02-30'],
      2,
      /--start must be a date YYYY-MM-DD, got "2024-02-30"/,
    ],
    [
      'start after end',
      ['data', 'fetch', '--start', '2024-05-01', '--end', '2024-01-01'],
      2,
      /--start 2024-05-01 is after --end 2024-01-01/,
    ],
    ['unknown engine', ['pipeline', 'run', '--engine', 'hadoop'], 2, /--engine must be one of duckdb, spark/],
    ['unknown signal', ['backtest', 'run', '--signal', 'zweig'], 2, /unknown signal "zweig"/],
    [
      'negative hold days',
      ['pipeline', 'run', '--hold-days', '-3'],
      2,
      /--hold-days must be a positive whole number, got "-3"/,
    ],
    ['unknown flag', ['pipeline', 'run', '--symbols', 'AAPL'], 2, /unknown option '--symbols'/],
  ];
  for (const [name, args, code, message] of cases) {
    it(name, async () => {
      const r = await bf([...args, '--workdir', join(tmp(), 'wd')]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(code);
    });
  }

  it('rejects --out naming an existing file before any work: exit 2, no lake written', async () => {
    const dir = tmp();
    const file = join(dir, 'report.html');
    writeFileSync(file, 'mine');
    const r = await bf([
      'pipeline',
      'run',
      '--out',
      file,
      '--workdir',
      join(dir, 'wd'),
      '--end',
      '2025-06-30',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${file} is an existing file, not a directory`);
    expect(r.stderr).not.toContain('fetching');
    expect(existsSync(join(dir, 'wd'))).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('mine');
    const below = await bf(['signals', 'generate', '--out', join(file, 'out'), '--workdir', join(dir, 'wd')]);
    expect(below.code).toBe(2);
    expect(below.stderr).toContain(`cannot be created: ${file} is a file, not a directory`);
  });

  it.each([
    ['--end', ['--end', '2999-01-01']],
    ['--start', ['--start', '2999-01-01', '--end', '2999-02-01']],
  ])('rejects a future %s date, naming today', async (flag, dates) => {
    const dir = tmp();
    const r = await bf(['data', 'fetch', ...dates, '--workdir', join(dir, 'wd')]);
    expect(r.code).toBe(2);
    const today = new Date().toISOString().slice(0, 10);
    expect(r.stderr).toContain(`${flag} 2999-0`);
    expect(r.stderr).toContain(`is in the future (today is ${today} UTC)`);
    expect(existsSync(join(dir, 'wd'))).toBe(false);
  });

  it('names a lake it cannot write (no stack trace), exit 1', async () => {
    const dir = tmp();
    const lake = join(dir, 'wd', 'lake');
    mkdirSync(lake, { recursive: true });
    // The workdir stays writable (the lake lock lives there); the lake directory itself is read-only.
    chmodSync(join(dir, 'wd'), 0o777);
    chmodSync(lake, 0o555);
    // root ignores file modes: run bf as "nobody" then, so the lake really is unwritable for the process (with
    // a link to this node binary where nobody can reach it).
    chmodSync(dir, 0o755);
    let asUser = {};
    if (process.getuid?.() === 0) {
      const node = join(dir, 'node');
      try {
        linkSync(process.execPath, node);
      } catch {
        copyFileSync(process.execPath, node);
      }
      asUser = { uid: 65534, gid: 65534, node };
    }
    const r = await bf(['data', 'fetch', '--workdir', join(dir, 'wd'), '--end', '2025-06-30'], {}, asUser);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: cannot mkdir ${lake}/\\S+: permission denied \\(EACCES\\)`));
    expect(r.stderr).toContain('hint: check that --workdir (or BF_HOME)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names a malformed symbol and its line', async () => {
    const dir = tmp();
    const list = join(dir, 'bad.txt');
    writeFileSync(list, 'AAPL\nMS FT\n');
    const r = await bf(['data', 'fetch', '--symbol-list', list, '--workdir', join(dir, 'wd')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MS FT/);
    expect(r.stderr).toMatch(/line 2/);
  });

  it('refuses an empty list file', async () => {
    const dir = tmp();
    const list = join(dir, 'empty.txt');
    writeFileSync(list, '# nothing here\n\n');
    const r = await bf(['data', 'fetch', '--symbol-list', list, '--workdir', join(dir, 'wd')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/empty/);
  });

  it('says to fetch first when the lake has no prices, and leaves no table behind', async () => {
    const dir = tmp();
    const r = await bf(['signals', 'generate', '--workdir', join(dir, 'wd')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no prices in the lake/);
    expect(r.stderr).toMatch(/bf data fetch/);
    expect(existsSync(join(dir, 'wd', 'lake', 'breadth'))).toBe(false);
  });

  it('says to generate signals before a backtest', async () => {
    const r = await bf(['backtest', 'run', '--workdir', join(tmp(), 'wd')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bf signals generate/);
  });
});

/** Output files of a run, with metrics.json's generation time blanked (the only field that may differ). */
function outputFiles(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of ['breadth.csv', 'signals.csv', 'trades.csv', 'forward_returns.csv', 'metrics.json']) {
    files[f] = readFileSync(join(out, f), 'utf8')
      .replace(/"generated_at": "[^"]*"/, '"generated_at": ""')
      .replace(/"run_id": "[^"]*"/, '"run_id": ""');
  }
  return files;
}

// Several CLI runs each (a few seconds apiece, more on a loaded machine).
const SEQUENCE_TIMEOUT = 300_000;

describe('a run is scoped by its flags: list and range, whatever else the lake holds', () => {
  it(
    'a second pipeline run with a narrower range in the same workdir equals a fresh workdir',
    async () => {
      const used = tmp();
      const wd = join(used, 'wd');
      const first = await bf([
        'pipeline',
        'run',
        '--workdir',
        wd,
        '--start',
        '2015-01-01',
        '--end',
        '2025-06-30',
        '-q',
      ]);
      expect(first.code).toBe(0);
      const narrow = ['--start', '2024-01-01', '--end', '2024-12-31', '--json', '-q'];
      const second = await bf(['pipeline', 'run', '--workdir', wd, '--out', join(used, 'out'), ...narrow]);
      const fresh = tmp();
      const clean = await bf([
        'pipeline',
        'run',
        '--workdir',
        join(fresh, 'wd'),
        '--out',
        join(fresh, 'out'),
        ...narrow,
      ]);
      expect(second.code).toBe(0);
      expect(clean.code).toBe(0);
      const a = JSON.parse(second.stdout);
      expect(a.range).toEqual({ start: '2024-01-01', end: '2024-12-31' });
      expect(a.trading_days).toBe(JSON.parse(clean.stdout).trading_days);
      expect(outputFiles(join(used, 'out'))).toEqual(outputFiles(join(fresh, 'out')));
      const breadth = readFileSync(join(used, 'out', 'breadth.csv'), 'utf8')
        .trim()
        .split('\n');
      expect(String(breadth[1]).slice(0, 10) >= '2024-01-01').toBe(true);
      expect(String(breadth.at(-1)).slice(0, 10) <= '2024-12-31').toBe(true);
    },
    SEQUENCE_TIMEOUT,
  );

  it(
    'backtest run takes --symbol-list, --start and --end, and names them in every output',
    async () => {
      const dir = tmp();
      const wd = join(dir, 'wd');
      const out = join(dir, 'out');
      expect(
        (await bf(['data', 'fetch', '--workdir', wd, '--start', '2023-01-01', '--end', '2024-12-31', '-q']))
          .code,
      ).toBe(0);
      const range = ['--start', '2024-01-01', '--end', '2024-12-31'];
      const gen = await bf([
        'signals',
        'generate',
        '--workdir',
        wd,
        '--symbol-list',
        'demo_small',
        ...range,
        '--json',
        '-q',
      ]);
      expect(gen.code).toBe(0);
      expect(JSON.parse(gen.stdout).range).toEqual({ start: '2024-01-01', end: '2024-12-31' });

      const bt = await bf([
        'backtest',
        'run',
        '--workdir',
        wd,
        '--symbol-list',
        'demo_small',
        ...range,
        '--out',
        out,
        '--json',
        '-q',
      ]);
      expect(bt.stderr).toBe('');
      expect(bt.code).toBe(0);
      const json = JSON.parse(bt.stdout);
      expect(json.symbol_list.name).toBe('demo_small');
      expect(json.symbol_list.symbols).toHaveLength(25);
      expect(json.range).toEqual({ start: '2024-01-01', end: '2024-12-31' });
      const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
      expect(metrics.run.symbol_list).toBe('demo_small');
      expect(metrics.run.date_range).toEqual({ start: '2024-01-01', end: '2024-12-31' });
      expect(metrics.run.title).toBe('Breadth thrust report — demo_small, 2024-01-01 → 2024-12-31');
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('demo_small, 2024-01-01 → 2024-12-31');
      expect(readFileSync(join(out, 'report.html'), 'utf8')).not.toContain('symbols in the lake');

      const human = await bf(['backtest', 'run', '--workdir', wd, '-q']);
      expect(human.code).toBe(0);
      expect(human.stdout.split('\n')[0]).toMatch(
        /^demo_small, 2024-01-01 → 2024-12-31: 262 breadth days over 25 symbols/,
      );
    },
    SEQUENCE_TIMEOUT,
  );

  it(
    'refuses a signal, list or range that signals generate did not make, naming the command that makes it',
    async () => {
      const wd = join(tmp(), 'wd');
      expect(
        (await bf(['data', 'fetch', '--workdir', wd, '--start', '2024-01-01', '--end', '2024-12-31', '-q']))
          .code,
      ).toBe(0);
      const gen = ['signals', 'generate', '--workdir', wd, '--start', '2024-01-01', '--end', '2024-12-31'];
      expect((await bf([...gen, '--signal', 'zweig_breadth_thrust', '-q'])).code).toBe(0);

      const signal = await bf(['backtest', 'run', '--workdir', wd, '--signal', 'deemer_breadth_thrust']);
      expect(signal.code).toBe(1);
      expect(signal.stdout).toBe('');
      expect(signal.stderr).toContain(
        'error: deemer_breadth_thrust was not generated for demo_small, 2024-01-01 → 2024-12-31 (the lake holds zweig_breadth_thrust)',
      );
      expect(signal.stderr).toContain(
        'bf signals generate --symbol-list demo_small --start 2024-01-01 --end 2024-12-31 --signal zweig_breadth_thrust,deemer_breadth_thrust',
      );

      const list = await bf(['backtest', 'run', '--workdir', wd, '--symbol-list', 'demo_large']);
      expect(list.code).toBe(1);
      expect(list.stderr).toContain(
        'holds no signals for demo_large: they were generated for demo_small, 2024-01-01 → 2024-12-31',
      );
      expect(list.stderr).toContain('`bf signals generate --symbol-list demo_large`');

      const range = await bf(['backtest', 'run', '--workdir', wd, '--start', '2023-06-01']);
      expect(range.code).toBe(1);
      expect(range.stderr).toContain('`bf signals generate --symbol-list demo_small --start 2023-06-01`');
    },
    SEQUENCE_TIMEOUT,
  );
});

describe('bf data fetch --source yahoo against a local replay of the chart API', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const aapl = readFileSync(join(FIXTURES, 'aapl-200.json'));
    const notFound = readFileSync(join(FIXTURES, 'not-found-404.json'));
    server = createServer((req, res) => {
      const known = req.url?.includes('/AAPL?');
      res.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
      res.end(known ? aapl : notFound);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** `bf data fetch --source yahoo` of a list file, against the replay server. */
  function fetchFromReplay(symbols: string[], ...extra: string[]) {
    const dir = tmp();
    const list = join(dir, 'l.txt');
    writeFileSync(list, `${symbols.join('\n')}\n`);
    const args = ['data', 'fetch', '--source', 'yahoo', '--symbol-list', list, '--start', '2024-01-01'];
    args.push('--end', '2024-01-10', '--workdir', join(dir, 'wd'), ...extra);
    return { dir, run: bf(args, { BF_YAHOO_URL: url }) };
  }

  it('reports an unknown symbol by name and keeps the rest', async () => {
    const r = await fetchFromReplay(['AAPL', 'ZZZZQ'], '--json').run;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ZZZZQ/);
    const out = JSON.parse(r.stdout);
    expect(out.failures.map((f: { symbol: string }) => f.symbol)).toEqual(['ZZZZQ']);
    expect(out.bars).toBeGreaterThan(0);
  });

  it('exits non-zero when every symbol is unknown, naming the URL it used', async () => {
    const { dir, run } = fetchFromReplay(['ZZZZQ', 'QQQQZ']);
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`every symbol failed to fetch from yahoo (${url}): ZZZZQ (HTTP 404`);
    expect(r.stderr).toContain(`hint: check network access to ${url}`);
    expect(r.stderr).not.toContain('query1.finance.yahoo.com');
    expect(existsSync(join(dir, 'wd', 'lake', 'prices'))).toBe(false);
  });
});

describe('bf data fetch --source yahoo when the endpoint cannot answer', () => {
  let peer: NetServer;
  const sockets: Socket[] = [];
  let mode: 'silent' | 'reset' = 'silent';
  let peerUrl: string;
  beforeAll(async () => {
    // Accepts every connection, then never answers (silent) or drops it at once (reset).
    peer = createNetServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => {});
      if (mode === 'reset') socket.resetAndDestroy();
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    peerUrl = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => peer.close(() => r()));
  });

  function fetchYahoo(baseUrl: string, ...extra: string[]) {
    const wd = join(tmp(), 'wd');
    const args = ['data', 'fetch', '--source', 'yahoo', '--symbol-list', 'demo_small', '--workdir', wd];
    args.push('--start', '2024-01-01', '--end', '2024-01-10', ...extra);
    return { wd, run: bf(args, { BF_YAHOO_URL: baseUrl, BF_PROGRESS_INTERVAL_MS: '700' }) };
  }

  it('stops at --fetch-timeout with one message naming the URL, reporting progress off a terminal meanwhile', async () => {
    mode = 'silent';
    const { wd, run } = fetchYahoo(peerUrl, '--fetch-timeout', '2.5');
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `error: fetch from yahoo \\(${peerUrl.replace(/\./g, '\\.')}\\) stopped: the --fetch-timeout of 2\\.5 s ran out; 0/25 symbols fetched, 0 failed, 0 retries; nothing was written to the lake`,
      ),
    );
    expect(r.stderr).toContain('hint: raise --fetch-timeout');
    // stderr is a pipe here: progress came as whole lines, a few seconds apart, saying what it waits on.
    const progress = r.stderr.split('\n').filter((l) => l.startsWith('yahoo: 0/25 symbols'));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThanOrEqual(5);
    expect(progress[0]).toMatch(/waiting on AAPL, MSFT, /);
    expect(r.stderr).not.toContain('\r');
    expect(existsSync(join(wd, 'lake', 'prices'))).toBe(false);
  });

  it('stops after consecutive connection failures instead of retrying every symbol', async () => {
    mode = 'reset';
    const { wd, run } = fetchYahoo(peerUrl);
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`fetch from yahoo (${peerUrl}) stopped: 6 connection failures in a row`);
    expect(r.stderr).toContain(`hint: check network access to ${peerUrl}`);
    expect(r.stderr.match(/^error: /gm)).toHaveLength(1);
    expect(existsSync(join(wd, 'lake', 'prices'))).toBe(false);
  });

  it('does not retry a host that does not resolve', async () => {
    const { run } = fetchYahoo('http://bf-no-such-host.invalid');
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'fetch from yahoo (http://bf-no-such-host.invalid) stopped: cannot resolve the host bf-no-such-host.invalid (DNS ENOTFOUND)',
    );
    expect(r.stderr).toContain('0 retries');
  });
});
