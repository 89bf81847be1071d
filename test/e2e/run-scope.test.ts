/**
 * Issue 15 §1: a run works on exactly its symbol list and date range, whatever the workdir's history, and its
 * label and metrics.json name the sources of the bars it used. Each sequence runs the real CLI in a workdir with
 * history and compares with a fresh workdir.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSampleSource } from '../../src/sources/sample.ts';
import { silentLogger } from '../../src/util/log.ts';
import { runBf as bf } from '../support/run-bf.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'bf-scope-'));
// Several CLI runs each (a few seconds apiece, more on a loaded machine).
const SEQUENCE_TIMEOUT = 300_000;

/** The files of `--out` that must match between two runs of the same scope (metrics.json without its times). */
function comparable(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of ['breadth.csv', 'signals.csv', 'trades.csv', 'forward_returns.csv', 'metrics.json']) {
    files[f] = readFileSync(join(out, f), 'utf8')
      .replace(/"generated_at": "[^"]*"/, '"generated_at": ""')
      .replace(/"run_id": "[^"]*"/, '"run_id": ""');
  }
  return files;
}

/** Yahoo-format CSVs for `symbols` from the sample market (real-looking prices), optionally edited per symbol. */
async function writeCsvs(
  dir: string,
  symbols: string[],
  range: { start: string; end: string },
  edit: (symbol: string, rows: string[]) => string[] = (_s, rows) => rows,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const { bars } = await createSampleSource({ seed: 7 }).fetch(symbols, range, silentLogger);
  for (const s of symbols) {
    const rows = bars
      .filter((b) => b.symbol === s)
      .map((b) => [b.date, b.open, b.high, b.low, b.close, b.adjClose, b.volume].join(','));
    writeFileSync(
      join(dir, `${s}.csv`),
      `Date,Open,High,Low,Close,Adj Close,Volume\n${edit(s, rows).join('\n')}\n`,
    );
  }
}

describe('a run is scoped by its flags, whatever the workdir holds (issue 15 §1)', () => {
  it(
    'demo_small gives the same outputs fresh and after demo_large was fetched into the same workdir',
    async () => {
      const range = ['--start', '2021-01-01', '--end', '2024-12-31'];
      const used = tmp();
      const wd = join(used, 'wd');
      expect(
        (await bf(['data', 'fetch', '--workdir', wd, '--symbol-list', 'demo_large', ...range, '-q'])).code,
      ).toBe(0);
      const again = await bf([
        'pipeline',
        'run',
        '--workdir',
        wd,
        '--out',
        join(used, 'out'),
        ...range,
        '-q',
      ]);
      expect(again.code).toBe(0);
      const fresh = tmp();
      const clean = await bf([
        'pipeline',
        'run',
        '--workdir',
        join(fresh, 'wd'),
        '--out',
        join(fresh, 'out'),
        ...range,
        '-q',
      ]);
      expect(clean.code).toBe(0);
      expect(comparable(join(used, 'out'))).toEqual(comparable(join(fresh, 'out')));
    },
    SEQUENCE_TIMEOUT,
  );

  it(
    'a CSV-only list in a workdir that also holds sample data is labelled by its CSV source, not SYNTHETIC',
    async () => {
      const dir = tmp();
      const wd = join(dir, 'wd');
      const range = ['--start', '2023-01-01', '--end', '2024-06-28'];
      expect((await bf(['pipeline', 'run', '--workdir', wd, ...range, '-q'])).code).toBe(0);
      const csvDir = join(dir, 'csv');
      await writeCsvs(csvDir, ['AAA', 'BBB', 'CCC'], { start: '2023-01-01', end: '2024-06-28' });
      writeFileSync(join(dir, 'mine.txt'), 'AAA\nBBB\nCCC\n');
      const out = join(dir, 'out');
      const r = await bf(
        [
          'pipeline',
          'run',
          '--workdir',
          'wd',
          '--symbol-list',
          'mine.txt',
          '--source',
          'csv:csv',
          ...range,
          '--out',
          'out',
        ],
        {},
        { cwd: dir },
      );
      expect(r.stderr).not.toContain('SYNTHETIC');
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('SYNTHETIC');
      const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
      // An absolute path: metrics.json means the same wherever it is read from.
      expect(metrics.run.source).toBe(`csv:${csvDir}`);
      expect(metrics.run.synthetic).toBe(false);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      expect(html).not.toContain('SYNTHETIC DATA');

      // The sample list in the same lake still says where its bars came from.
      const sample = await bf(['signals', 'generate', '--workdir', wd, ...range, '--json', '-q']);
      expect(sample.code).toBe(0);
      expect(JSON.parse(sample.stdout)).toMatchObject({ source: 'sample', synthetic: true });
    },
    SEQUENCE_TIMEOUT,
  );

  it(
    'a re-fetch names the bars it replaced and the ones the source no longer has; --replace drops those, and the run then equals a fresh workdir',
    async () => {
      const dir = tmp();
      const wd = join(dir, 'wd');
      const csvDir = join(dir, 'csv');
      const range = { start: '2023-01-02', end: '2024-06-28' };
      const flags = [
        '--symbol-list',
        join(dir, 'mine.txt'),
        '--source',
        `csv:${csvDir}`,
        '--start',
        range.start,
        '--end',
        range.end,
      ];
      writeFileSync(join(dir, 'mine.txt'), 'AAA\nBBB\nCCC\n');
      await writeCsvs(csvDir, ['AAA', 'BBB', 'CCC'], range);
      expect((await bf(['data', 'fetch', '--workdir', wd, ...flags, '-q'])).code).toBe(0);

      // The source now lacks AAA's first five rows and has another close on BBB's tenth row.
      await writeCsvs(csvDir, ['AAA', 'BBB', 'CCC'], range, (s, rows) => {
        if (s === 'AAA') return rows.slice(5);
        if (s === 'BBB') {
          const cells = String(rows[9]).split(',');
          cells[4] = String(Number(cells[4]) * 1.01);
          cells[5] = String(Number(cells[5]) * 1.01);
          rows[9] = cells.join(',');
        }
        return rows;
      });
      const kept = await bf(['data', 'fetch', '--workdir', wd, ...flags]);
      expect(kept.code).toBe(0);
      expect(kept.stderr).toContain('replaced 1 bar');
      expect(kept.stderr).toMatch(/kept 5 bars the source no longer has: AAA \(5, 2023-01-02 → 2023-01-06\)/);
      expect(kept.stderr).toContain('--replace');

      const dropped = await bf(['data', 'fetch', '--workdir', wd, ...flags, '--replace', '--json']);
      expect(dropped.code).toBe(0);
      expect(dropped.stderr).toMatch(/dropped 5 bars the source no longer has: AAA/);
      const json = JSON.parse(dropped.stdout);
      expect(json.vanished).toEqual([{ symbol: 'AAA', bars: 5, first: '2023-01-02', last: '2023-01-06' }]);
      expect(json.dropped).toBe(true);

      const gen = [
        'signals',
        'generate',
        '--symbol-list',
        join(dir, 'mine.txt'),
        '--start',
        range.start,
        '--end',
        range.end,
        '--out',
      ];
      expect(
        (await bf([...gen.slice(0, 2), '--workdir', wd, ...gen.slice(2), join(dir, 'out'), '-q'])).code,
      ).toBe(0);
      const fresh = join(dir, 'fresh');
      expect((await bf(['data', 'fetch', '--workdir', fresh, ...flags, '-q'])).code).toBe(0);
      expect(
        (await bf([...gen.slice(0, 2), '--workdir', fresh, ...gen.slice(2), join(dir, 'out2'), '-q'])).code,
      ).toBe(0);
      for (const f of ['breadth.csv', 'signals.csv']) {
        expect(readFileSync(join(dir, 'out', f), 'utf8')).toBe(readFileSync(join(dir, 'out2', f), 'utf8'));
      }
    },
    SEQUENCE_TIMEOUT,
  );
});
