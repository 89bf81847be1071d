import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLock } from '../lake/lock.ts';
import { BfError } from '../util/errors.ts';
import { silentLogger } from '../util/log.ts';
import { fixtureBacktest, fixtureEvents } from './test-fixtures.ts';
import {
  METRICS_SCHEMA,
  type MetricsInput,
  metricsDocument,
  metricsJson,
  writeReportFiles,
} from './write-outputs.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-report-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('writeReportFiles', () => {
  it('creates nested directories, writes every file and returns absolute paths in order', async () => {
    const out = join(await tempDir(), 'a', 'b');
    const paths = await writeReportFiles(out, { 'report.html': '<p>é</p>', 'breadth.csv': 'date\n' });
    expect(paths).toEqual([join(out, 'report.html'), join(out, 'breadth.csv')]);
    expect(await readFile(paths[0]!, 'utf8')).toBe('<p>é</p>');
    expect(await readFile(paths[1]!, 'utf8')).toBe('date\n');
    // No temp files left behind; the directory's lock file stays (it is never deleted, see src/lake/lock.ts).
    expect((await readdir(out)).sort()).toEqual(['.bf-out.lock', 'breadth.csv', 'report.html']);
  });

  it('waits for another writer holding the directory lock, then writes its whole set', async () => {
    const out = await tempDir();
    const other = new FileLock(join(out, '.bf-out.lock'), { label: 'x', command: 'bf pipeline run' });
    const lines: string[] = [];
    const logger = { ...silentLogger, info: (m: string) => lines.push(m) };
    let mine: Promise<string[]> | undefined;
    await other.exclusive(async () => {
      await writeFile(join(out, 'a.csv'), 'other a');
      mine = writeReportFiles(out, { 'a.csv': 'mine a', 'b.csv': 'mine b' }, { logger });
      await sleep(300);
      // Still the other run's file: nothing of ours is renamed while it holds the lock.
      expect(await readFile(join(out, 'a.csv'), 'utf8')).toBe('other a');
    });
    await mine;
    other.close();
    expect(lines[0]).toMatch(
      new RegExp(
        `^waiting for the lock of output directory .* held by pid ${process.pid} \\(bf pipeline run, started \\d+ s ago\\)$`,
      ),
    );
    expect(await readFile(join(out, 'a.csv'), 'utf8')).toBe('mine a');
    expect(await readFile(join(out, 'b.csv'), 'utf8')).toBe('mine b');
  });

  it('removes temp files a killed run left, and no others', async () => {
    const out = await tempDir();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(join(out, `.report.html.${dead}.abcd1234.tmp`), 'half');
    await writeFile(join(out, `.report.html.${process.pid}.abcd1234.tmp`), 'in progress');
    await writeReportFiles(out, { 'a.csv': 'x' });
    expect((await readdir(out)).sort()).toEqual([
      '.bf-out.lock',
      `.report.html.${process.pid}.abcd1234.tmp`,
      'a.csv',
    ]);
  });

  it('replaces an existing file', async () => {
    const out = await tempDir();
    await writeFile(join(out, 'signals.csv'), 'old contents that are longer');
    await writeReportFiles(out, { 'signals.csv': 'new' });
    expect(await readFile(join(out, 'signals.csv'), 'utf8')).toBe('new');
  });

  it.each(['../escape.csv', 'sub/dir.csv', '..', ''])('rejects the file name %j', async (name) => {
    const out = await tempDir();
    await expect(writeReportFiles(out, { [name]: 'x' })).rejects.toThrow(BfError);
    expect(await readdir(out)).toEqual([]);
  });

  it('names the directory when it cannot be created', async () => {
    const parent = await tempDir();
    await writeFile(join(parent, 'file'), '');
    await expect(writeReportFiles(join(parent, 'file', 'out'), { 'a.csv': '' })).rejects.toThrow(
      /cannot create output directory .*file\/out/,
    );
  });
});

describe('metricsJson', () => {
  const backtests = [
    fixtureBacktest('zweig_breadth_thrust', { n: 300, entries: [10, 100] }),
    fixtureBacktest('deemer_breadth_thrust', { n: 300, entries: [50] }),
  ];
  const input: MetricsInput = {
    title: 'demo',
    symbolList: 'demo_small',
    source: 'sample',
    synthetic: true,
    engine: 'duckdb',
    generatedAt: '2025-01-01T00:00:00Z',
    dateRange: { start: '2020-01-02', end: '2021-02-24' },
    tradingDays: 300,
    events: fixtureEvents(backtests),
    backtests,
  };

  it('holds run facts, per-signal metrics and forward returns in snake_case', () => {
    const doc = JSON.parse(metricsJson(input));
    expect(doc.schema).toBe(METRICS_SCHEMA);
    expect(doc.run).toEqual({
      run_id: null,
      title: 'demo',
      symbol_list: 'demo_small',
      source: 'sample',
      synthetic: true,
      engine: 'duckdb',
      generated_at: '2025-01-01T00:00:00Z',
      date_range: { start: '2020-01-02', end: '2021-02-24' },
      trading_days: 300,
      firing_count: 3,
      skipped_symbols: [],
      warnings: [],
    });
    const zweig = doc.signals.zweig_breadth_thrust;
    expect(zweig.trades).toBe(2);
    expect(zweig.firing_count).toBe(2);
    expect(zweig).not.toHaveProperty('events');
    expect(zweig.strategy.cagr).toBe(backtests[0]!.strategy.cagr);
    expect(zweig.buy_hold.sortino).toBeNull();
    expect(zweig.strategy.max_drawdown).toBe(backtests[0]!.strategy.maxDrawdown);
    expect(zweig.forward_returns.map((f: { horizon: number }) => f.horizon)).toEqual([5, 21, 63, 126, 252]);
    expect(Object.keys(doc.signals)).toEqual(['zweig_breadth_thrust', 'deemer_breadth_thrust']);
  });

  it('writes keys in a stable order whatever order the inputs were built in', () => {
    const shuffled = backtests.map((bt) => {
      const s = bt.strategy;
      // Same values, keys inserted in reverse.
      const reversed = Object.fromEntries(Object.entries(s).reverse()) as typeof s;
      return { ...bt, strategy: reversed };
    });
    expect(metricsJson({ ...input, backtests: shuffled })).toBe(metricsJson(input));
    expect(Object.keys(metricsDocument(input).signals.zweig_breadth_thrust!.strategy)).toEqual([
      'total_return',
      'cagr',
      'volatility',
      'sharpe',
      'sortino',
      'max_drawdown',
      'exposure',
      'trades',
    ]);
  });

  it('turns non-finite numbers into null and ends with a newline', () => {
    const bt = {
      ...backtests[0]!,
      strategy: { ...backtests[0]!.strategy, sharpe: Number.POSITIVE_INFINITY },
    };
    const text = metricsJson({ ...input, backtests: [bt] });
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text).signals.zweig_breadth_thrust.strategy.sharpe).toBeNull();
  });
});
