/**
 * Issue 11 §3: after `bf data fetch` adds or replaces bars, `bf signals generate` recomputes only what they change,
 * and every output equals a fresh full run's byte for byte. Real CLI runs on holdout-style CSVs (late listings,
 * delistings, a halt, Yahoo null rows; bench/csv-market.ts) in one workdir that lives through three new days (one
 * nightly run each), a dividend re-adjusting one symbol's whole history on the last of them, and a new listing;
 * after each step a fresh workdir fetches the same CSVs and recomputes in full. Each incremental run must say on stderr that it took the incremental path.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCsvMarket } from '../../bench/csv-market.ts';
import { csvRows, readjustBefore } from '../support/csv-dividend.ts';
import { runBf } from '../support/run-bf.ts';

// Many CLI runs in sequence (a few seconds each, more on a loaded machine).
const TIMEOUT = 900_000;
const tmp = mkdtempSync(join(tmpdir(), 'bf-incremental-'));
const csvDir = join(tmp, 'csv');
const list = join(tmp, 'universe.txt');
const wd = join(tmp, 'wd');
let step = 0;

async function bf(args: string[]): Promise<string> {
  const r = await runBf(args);
  if (r.code !== 0) throw new Error(`bf ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r.stderr;
}

const fetch = (workdir: string, symbolList: string, ...range: string[]) =>
  bf([
    'data',
    'fetch',
    '--source',
    `csv:${csvDir}`,
    '--symbol-list',
    symbolList,
    '--workdir',
    workdir,
    ...range,
  ]);
const generate = (workdir: string, out: string, ...flags: string[]) =>
  bf(['signals', 'generate', '--symbol-list', list, '--workdir', workdir, '--out', out, ...flags]);

/** The output files and the lake's derived tables, as text that must match byte for byte. */
async function outputs(workdir: string, out: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const f of ['breadth.csv', 'signals.csv', 'manifest.json']) {
    files[f] = readFileSync(join(out, f), 'utf8')
      .replace(/"run_id": "[^"]*"/, '"run_id": ""')
      .replace(/"generated_at": "[^"]*"/, '"generated_at": ""');
  }
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const order: Record<string, string> = {
    features: 'symbol, date',
    breadth: 'date',
    breadth_series: 'date',
    signals: 'date, signal',
  };
  for (const [table, by] of Object.entries(order)) {
    const dir = join(workdir, 'lake', table);
    const parquet = readdirSync(dir)
      .filter((f) => f.endsWith('.parquet'))
      .map((f) => `'${join(dir, f)}'`);
    const dump = join(tmp, `dump-${step++}.csv`);
    await db.run(`COPY (SELECT * FROM read_parquet([${parquet.join(', ')}]) ORDER BY ${by}) TO '${dump}'`);
    files[`lake/${table}`] = readFileSync(dump, 'utf8');
  }
  // The stored tails (the last 252 bars per symbol that a run of new days reads instead of the prices): the
  // incremental runs keep them as a full run makes them. A full run writes them as one file; a run of new days adds
  // its new bars as a file of its own, so a symbol's bars before its last 252 may still be in an older file. So
  // what is compared is what a reader sees: the union of the files, each symbol's last 252 bars by pos (bar_index),
  // after checking that no bar is in two files.
  const tails = tailFiles(workdir).map((f) => `'${f}'`);
  expect(tails.length, 'stored tail files').toBeGreaterThan(0);
  const all = `read_parquet([${tails.join(', ')}])`;
  const twice = await db.runAndReadAll(
    `SELECT count(*) FROM (SELECT symbol, pos FROM ${all} GROUP BY ALL HAVING count(*) > 1)`,
  );
  expect(Number(twice.getRowsJS()[0]![0]), 'bars in two tail files').toBe(0);
  const dump = join(tmp, `dump-${step++}.csv`);
  await db.run(`COPY (SELECT * FROM ${all} QUALIFY pos > max(pos) OVER (PARTITION BY symbol) - 252
    ORDER BY symbol, pos) TO '${dump}'`);
  files['lake/breadth tail'] = readFileSync(dump, 'utf8');
  // The running state (each symbol's sums, max/min and the bar leaving them at its last bar), which a nightly run
  // updates from the bars entering and leaving instead of aggregating it afresh: as a full run aggregates it.
  const dir = join(workdir, 'lake', 'breadth');
  const running = readdirSync(dir).filter((f) => f.startsWith('_incremental-running-'));
  expect(running, 'running state files').toHaveLength(1);
  const state = JSON.parse(readFileSync(join(dir, '_incremental.json'), 'utf8')) as { running?: string };
  expect(state.running).toBe(running[0]);
  const runningDump = join(tmp, `dump-${step++}.csv`);
  await db.run(
    `COPY (SELECT * FROM read_parquet('${join(dir, running[0]!)}') ORDER BY symbol) TO '${runningDump}'`,
  );
  files['lake/breadth running'] = readFileSync(runningDump, 'utf8');
  db.closeSync();
  return files;
}

/** The stored tail files (absolute paths) beside the breadth table. */
function tailFiles(workdir: string): string[] {
  const dir = join(workdir, 'lake', 'breadth');
  return readdirSync(dir)
    .filter((f) => f.startsWith('_incremental-tail-'))
    .map((f) => join(dir, f));
}

/** The delta files of the breadth_series table (each the days one run added). */
function seriesDeltas(workdir: string): string[] {
  return readdirSync(join(workdir, 'lake', 'breadth_series')).filter((f) => f.startsWith('delta-'));
}

/** A fresh workdir: fetch every CSV of the list (up to `end`), recompute in full. */
async function freshFull(end?: string): Promise<Record<string, string>> {
  const fresh = join(tmp, `fresh-${step++}`);
  await fetch(join(fresh, 'wd'), list, ...(end ? ['--end', end] : []));
  const err = await generate(join(fresh, 'wd'), join(fresh, 'out'));
  expect(err).toMatch(/full recompute: no stored state/);
  return outputs(join(fresh, 'wd'), join(fresh, 'out'));
}

async function expectSameAsFresh(out: string, end?: string): Promise<void> {
  const got = await outputs(wd, out);
  const want = await freshFull(end);
  for (const name of Object.keys(want)) expect(got[name], name).toBe(want[name]);
}

const rowsOf = (symbol: string) => csvRows(csvDir, symbol);

let symbols: string[] = [];
let days: string[] = [];

describe('bf signals generate recomputes only what new bars change, with a full run’s outputs (issue 11 §3)', () => {
  beforeAll(() => {
    const m = writeCsvMarket(csvDir, { symbols: 60, years: 3, seed: 11 });
    symbols = m.symbols;
    writeFileSync(list, `${symbols.join('\n')}\n`);
    days = [...new Set(symbols.flatMap((s) => rowsOf(s).map((r) => r.slice(0, 10))))].sort();
  });

  it('the market has what real downloads have: late listings, delistings, a halt, null rows', () => {
    const first = days[0]!;
    const last = days.at(-1)!;
    const spans = symbols.map((s) => rowsOf(s).map((r) => r.slice(0, 10)));
    expect(spans.filter((d) => d[0]! > first).length, 'late listings').toBeGreaterThan(0);
    expect(spans.filter((d) => d.at(-1)! < last).length, 'delistings').toBeGreaterThan(0);
    const halted = spans.filter((d) =>
      d.some((day, i) => i > 0 && days.indexOf(day) - days.indexOf(d[i - 1]!) > 5),
    );
    expect(halted.length, 'halts').toBeGreaterThan(0);
    expect(
      symbols.some((s) => rowsOf(s).some((r) => r.includes('null'))),
      'null rows',
    ).toBe(true);
  });

  it(
    'three new days, a dividend re-adjustment, a new listing: each incremental run equals a fresh full run',
    async () => {
      const last = days.at(-1)!;

      // Day N-3: a first run has nothing stored, so it recomputes in full.
      await fetch(wd, list, '--end', days.at(-4)!);
      expect(await generate(wd, join(tmp, 'out-0'))).toMatch(/full recompute: no stored state/);
      const listedOn = (day: string) =>
        symbols.filter((s) => rowsOf(s).some((r) => r.startsWith(day) && !r.includes('null')));

      // Days N-2 and N-1, one nightly run each: one new bar per listed symbol. The second run starts from the state
      // the first incremental run stored.
      for (const [n, day] of [days.at(-3)!, days.at(-2)!].entries()) {
        await fetch(wd, list, '--start', day, '--end', day);
        const listed = listedOn(day);
        const err = await generate(wd, join(tmp, `out-1-${n}`));
        expect(err).toContain(
          `incremental: 1 new day, ${listed.length} symbols recomputed, breadth re-aggregated from ${day} (1 day)`,
        );
        // The stored prices and features stayed; the new rows went into files of their own.
        expect(readdirSync(join(wd, 'lake', 'prices')).filter((f) => f.startsWith('delta-'))).toHaveLength(
          n + 1,
        );
        expect(readdirSync(join(wd, 'lake', 'features')).filter((f) => f.startsWith('delta-'))).toHaveLength(
          n + 1,
        );
        // So did the stored tails: the full run's file and one file of new bars per nightly run.
        expect(tailFiles(wd)).toHaveLength(n + 2);
        // And breadth_series: its stored days come first in the new series, so only the new day is written.
        expect(seriesDeltas(wd)).toHaveLength(n + 1);
        await expectSameAsFresh(join(tmp, `out-1-${n}`), day);
        // Every table, delta files included, reads back whole and as its metadata says.
        if (n === 1) expect((await runBf(['lake', 'verify', '--workdir', wd])).code).toBe(0);
        if (n === 0) {
          // Run again with nothing new: the day is not added a second time.
          expect(await generate(wd, join(tmp, 'out-1-again'))).toContain('nothing recomputed');
          expect(seriesDeltas(wd)).toHaveLength(1);
          await expectSameAsFresh(join(tmp, 'out-1-again'), day);
        }
      }

      // Day N, and a dividend on it: Yahoo re-adjusts every earlier close of the symbol. The nightly fetch, then a
      // re-fetch of that symbol only, then one run: new days for all, a changed history for one.
      await fetch(wd, list, '--start', last, '--end', last);
      const payer = symbols.find(
        (s) => rowsOf(s)[0]!.startsWith(days[0]!) && rowsOf(s).at(-1)!.startsWith(last),
      )!;
      readjustBefore(csvDir, payer, last);
      writeFileSync(join(tmp, 'payer.txt'), `${payer}\n`);
      const fetched = await fetch(wd, join(tmp, 'payer.txt'));
      expect(fetched).toMatch(/replaced [1-9]\d* bar/);
      const err2 = await generate(wd, join(tmp, 'out-2'));
      expect(err2).toContain(
        `incremental: 1 new day, ${listedOn(last).length} symbols recomputed, 1 of them from their first bar, breadth re-aggregated from ${days[0]}`,
      );
      // A changed history rewrites the tails, trimmed to the last 252 bars, as one file; and breadth_series, whose
      // days from the payer's first bar on differ, as one file.
      expect(tailFiles(wd)).toHaveLength(1);
      expect(seriesDeltas(wd)).toHaveLength(0);
      await expectSameAsFresh(join(tmp, 'out-2'));

      // A new listing, half-way through: added to the list file (the same list) and fetched.
      const donor = rowsOf(payer);
      const half = Math.floor(donor.length / 2);
      const listing = donor.slice(half).map((r) => {
        const cells = r.split(',');
        return cells
          .map((c, i) => (i >= 1 && i <= 5 && c !== 'null' ? (Number(c) * 0.5).toFixed(6) : c))
          .join(',');
      });
      writeFileSync(
        join(csvDir, 'ZNEW.csv'),
        `Date,Open,High,Low,Close,Adj Close,Volume\n${listing.join('\n')}\n`,
      );
      appendFileSync(list, 'ZNEW\n');
      writeFileSync(join(tmp, 'new.txt'), 'ZNEW\n');
      await fetch(wd, join(tmp, 'new.txt'));
      const err3 = await generate(wd, join(tmp, 'out-3'));
      expect(err3).toContain(
        `incremental: 0 new days, 1 symbol recomputed, 1 of them from their first bar, breadth re-aggregated from ${donor[half]!.slice(0, 10)}`,
      );
      await expectSameAsFresh(join(tmp, 'out-3'));

      // Nothing new: nothing recomputed, same outputs. --full recomputes and agrees.
      expect(await generate(wd, join(tmp, 'out-4'))).toContain(
        'incremental: no bar of the run changed, nothing recomputed',
      );
      expect(await outputs(wd, join(tmp, 'out-4'))).toEqual(await outputs(wd, join(tmp, 'out-3')));
      expect(seriesDeltas(wd)).toHaveLength(0);
      expect(await generate(wd, join(tmp, 'out-5'), '--full')).toContain('full recompute: --full given');
      expect(await outputs(wd, join(tmp, 'out-5'))).toEqual(await outputs(wd, join(tmp, 'out-3')));

      // Another list never reuses this one's breadth, even with the same symbols.
      const other = join(tmp, 'other.txt');
      writeFileSync(other, readFileSync(list, 'utf8'));
      const err6 = await bf(['signals', 'generate', '--symbol-list', other, '--workdir', wd]);
      expect(err6).toContain('full recompute: the stored breadth is for symbol list universe');

      // Every table, delta files included, reads back whole and as its metadata says.
      expect((await runBf(['lake', 'verify', '--workdir', wd])).code).toBe(0);
    },
    TIMEOUT,
  );
});
