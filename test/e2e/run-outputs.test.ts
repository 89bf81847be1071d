/**
 * Issue 15 §3: every output of one run agrees. Through the CLI: a run on an existing --out leaves exactly its own
 * set, every file names the run, --signal means the same in backtest run and pipeline run, and every JSON document
 * matches its versioned schema (src/report/schemas.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backtestShape,
  fetchShape,
  manifestShape,
  metricsShape,
  pipelineShape,
  signalsShape,
} from '../../src/report/schemas.ts';
import { runBf as bf } from '../support/run-bf.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'bf-outputs-'));
const RANGE = ['--start', '2023-01-02', '--end', '2024-06-28'];
// Several CLI runs each (a few seconds apiece, more on a loaded machine).
const SEQUENCE_TIMEOUT = 300_000;

const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Every key of a JSON value, at any depth (record keys that are data, such as signal names, included). */
function keys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keys);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]);
  return [];
}

describe('every output of one run agrees (issue 15 §3)', () => {
  it(
    'a run on an existing --out leaves exactly its own set: files of an earlier run it does not rewrite are gone',
    async () => {
      const dir = tmp();
      const wd = join(dir, 'wd');
      const out = join(dir, 'out');
      const full = await bf(['pipeline', 'run', '--workdir', wd, ...RANGE, '--out', out, '-q']);
      expect(full.code, full.stderr).toBe(0);
      expect(readdirSync(out).sort()).toEqual([
        '.bf-out.lock',
        'breadth.csv',
        'equity.svg',
        'forward_returns.csv',
        'manifest.json',
        'metrics.json',
        'report.html',
        'signals.csv',
        'trades.csv',
      ]);
      writeFileSync(join(out, 'notes.txt'), 'mine\n');

      const list = join(dir, 'mine.txt');
      writeFileSync(list, 'AAPL\nMSFT\nXOM\nJPM\nPFE\n');
      expect((await bf(['data', 'fetch', '--workdir', wd, '--symbol-list', list, ...RANGE, '-q'])).code).toBe(
        0,
      );
      const sig = await bf([
        'signals',
        'generate',
        '--workdir',
        wd,
        '--symbol-list',
        list,
        ...RANGE,
        '--out',
        out,
        '-q',
      ]);
      expect(sig.code, sig.stderr).toBe(0);
      // Only this run's files (and the user's own file): no metrics.json or report.html still naming demo_small.
      expect(readdirSync(out).sort()).toEqual([
        '.bf-out.lock',
        'breadth.csv',
        'manifest.json',
        'notes.txt',
        'signals.csv',
      ]);
      const manifest = manifestShape.parse(JSON.parse(read(out, 'manifest.json')));
      expect(manifest.run).toMatchObject({
        command: 'signals generate',
        symbol_list: 'mine',
        date_range: { start: '2023-01-02', end: '2024-06-28' },
      });
      expect(manifest.files.map((f) => f.name)).toEqual(['breadth.csv', 'signals.csv']);
      for (const f of manifest.files) expect(sha256(read(out, f.name))).toBe(f.sha256);
    },
    SEQUENCE_TIMEOUT,
  );

  it(
    'every file of a full set names the same run: metrics.json, report.html, equity.svg by id, the CSVs by checksum',
    async () => {
      const dir = tmp();
      const out = join(dir, 'out');
      const r = await bf(['pipeline', 'run', '--workdir', join(dir, 'wd'), ...RANGE, '--out', out, '-q']);
      expect(r.code, r.stderr).toBe(0);
      const manifest = manifestShape.parse(JSON.parse(read(out, 'manifest.json')));
      const metrics = metricsShape.parse(JSON.parse(read(out, 'metrics.json')));
      const id = manifest.run.run_id;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(metrics.run.run_id).toBe(id);
      expect(read(out, 'report.html')).toContain(`<meta name="bf-run-id" content="${id}">`);
      expect(read(out, 'equity.svg')).toContain(`data-bf-run-id="${id}"`);
      expect(manifest.files.map((f) => f.name).sort()).toEqual([
        'breadth.csv',
        'equity.svg',
        'forward_returns.csv',
        'metrics.json',
        'report.html',
        'signals.csv',
        'trades.csv',
      ]);
      for (const f of manifest.files) expect(sha256(read(out, f.name))).toBe(f.sha256);
      expect(metrics.run.firing_count).toBe(read(out, 'signals.csv').trim().split('\n').length - 1);
    },
    SEQUENCE_TIMEOUT,
  );

  it(
    '--signal limits the firings in every output, the same way in backtest run and pipeline run',
    async () => {
      const dir = tmp();
      const zweig = ['--signal', 'zweig_breadth_thrust'];
      const piped = join(dir, 'piped');
      expect(
        (await bf(['pipeline', 'run', '--workdir', join(dir, 'a'), ...RANGE, ...zweig, '--out', piped, '-q']))
          .code,
      ).toBe(0);

      const wd = join(dir, 'b');
      expect((await bf(['data', 'fetch', '--workdir', wd, ...RANGE, '-q'])).code).toBe(0);
      expect((await bf(['signals', 'generate', '--workdir', wd, ...RANGE, '-q'])).code).toBe(0);
      const backtested = join(dir, 'backtested');
      const bt = await bf([
        'backtest',
        'run',
        '--workdir',
        wd,
        ...RANGE,
        ...zweig,
        '--out',
        backtested,
        '-q',
      ]);
      expect(bt.code, bt.stderr).toBe(0);

      for (const out of [piped, backtested]) {
        const rows = read(out, 'signals.csv').trim().split('\n').slice(1);
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((row) => row.split(',')[1] === 'zweig_breadth_thrust')).toBe(true);
        const metrics = metricsShape.parse(JSON.parse(read(out, 'metrics.json')));
        expect(Object.keys(metrics.signals)).toEqual(['zweig_breadth_thrust']);
        expect(metrics.run.firing_count).toBe(rows.length);
        expect(read(out, 'report.html')).toContain(`<h2>Signal firings (${rows.length})</h2>`);
      }
      expect(read(backtested, 'signals.csv')).toBe(read(piped, 'signals.csv'));
      expect(read(backtested, 'trades.csv')).toBe(read(piped, 'trades.csv'));
    },
    SEQUENCE_TIMEOUT,
  );

  it(
    'every --json document matches its versioned schema, in snake_case, with the list and range',
    async () => {
      const dir = tmp();
      const wd = join(dir, 'wd');
      const fetched = await bf(['data', 'fetch', '--workdir', wd, ...RANGE, '--json', '-q']);
      const generated = await bf(['signals', 'generate', '--workdir', wd, ...RANGE, '--json', '-q']);
      const backtested = await bf(['backtest', 'run', '--workdir', wd, '--json', '-q']);
      const piped = await bf(['pipeline', 'run', '--workdir', join(dir, 'wd2'), ...RANGE, '--json', '-q']);
      const docs = [
        fetchShape.parse(JSON.parse(fetched.stdout)),
        signalsShape.parse(JSON.parse(generated.stdout)),
        backtestShape.parse(JSON.parse(backtested.stdout)),
        pipelineShape.parse(JSON.parse(piped.stdout)),
      ];
      expect(docs.map((d) => d.schema)).toEqual([
        'bf.fetch/v1',
        'bf.signals/v1',
        'bf.backtest/v1',
        'bf.pipeline/v1',
      ]);
      for (const d of docs) {
        expect(d.range).toEqual({ start: '2023-01-02', end: '2024-06-28' });
        expect(d.symbol_list.name).toBe('demo_small');
        expect(keys(d).filter((k) => /[A-Z]/.test(k))).toEqual([]);
      }
      // One count, one name: the firings listed are the firings counted.
      const pipe = docs[3] as ReturnType<typeof pipelineShape.parse>;
      for (const b of pipe.backtests) {
        expect(b.firing_count).toBe(pipe.firings.filter((f) => f.signal === b.signal).length);
      }
    },
    SEQUENCE_TIMEOUT,
  );
});
