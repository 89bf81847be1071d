/**
 * Issue 11 §3 on the Spark engine: after `bf data fetch --engine spark` MERGEs new bars into the Delta `prices`,
 * `bf signals generate --engine spark` recomputes only what they change (the embedded engine's rule and SQL), and
 * every output equals a full Spark recompute on the same lake and the embedded engine's full run on the same
 * CSVs. Real CLI runs against the real stack (local images): holdout-style CSVs (late listings, delistings, a halt,
 * Yahoo null rows; bench/csv-market.ts), a history, then two nightly days, the second with a dividend re-adjusting
 * one symbol's whole history. Then, on the same lake, the fallbacks: an earlier `--end` (a full recompute) and a
 * later one (the days between, incrementally); the tails rewritten once they are TAIL_FILES_MAX pieces (lowered to 2
 * here: each piece is a Spark run); a symbol leaving the list, then joining it again. Each run is compared with the
 * embedded engine's fresh full run and says on stderr which way it went.
 * Run: flock /tmp/bf-stack.lock env BF_LOCAL_IMAGES=1 npx vitest run --project stack test/stack/spark-incremental.test.ts
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCsvMarket } from '../../bench/csv-market.ts';
import { type IncrementalState, TAIL_FILES_MAX_ENV } from '../../src/engines/incremental-plan.ts';
import { SPARK_SERVICES } from '../../src/engines/spark/jars.ts';
import { STATE_OBJECT } from '../../src/engines/spark/spark-engine.ts';
import type { StartedStack } from '../../src/infra/stack.ts';
import { openLakeBrowser } from '../../src/lake/browse/index.ts';
import { S3Lake, s3LakeConfig } from '../../src/lake/s3.ts';
import { csvRows, readjustBefore } from '../support/csv-dividend.ts';
import { runBf } from '../support/run-bf.ts';
import { startTestStack } from '../support/stack.ts';

const tmp = mkdtempSync(join(tmpdir(), 'bf-spark-incremental-'));
const csvDir = join(tmp, 'csv');
const list = join(tmp, 'universe.txt');
let step = 0;

let env: Record<string, string>;
let stack: StartedStack;
let symbols: string[] = [];
let days: string[] = [];

beforeAll(async () => {
  const started = await startTestStack([...SPARK_SERVICES, 's3']);
  stack = started.stack;
  env = {
    ...Object.fromEntries(
      Object.entries(started.env).filter((kv): kv is [string, string] => kv[1] !== undefined),
    ),
    // The tails are rewritten once they are 2 pieces (a full run's and one append) instead of 16: the runs before
    // the rewrite are Spark runs of ~10 s each. No other path of this file depends on it.
    [TAIL_FILES_MAX_ENV]: '2',
  };
  const m = writeCsvMarket(csvDir, { symbols: 60, years: 3, seed: 11 });
  symbols = m.symbols;
  writeFileSync(list, `${symbols.join('\n')}\n`);
  days = [...new Set(symbols.flatMap((s) => rowsOf(s).map((r) => r.slice(0, 10))))].sort();
}, 900_000);

afterAll(async () => {
  await stack?.down({ volumes: true });
}, 300_000);

async function bf(args: string[]): Promise<string> {
  const t = performance.now();
  const r = await runBf(args, env);
  if (r.code !== 0) throw new Error(`bf ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  console.log(`bf ${args.slice(0, 2).join(' ')}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return r.stderr;
}

const sparkFlags = () => ['--engine', 'spark', '--local', '--project', stack.project];
const fetchSpark = (symbolList: string, ...range: string[]) =>
  bf(['data', 'fetch', '--source', `csv:${csvDir}`, '--symbol-list', symbolList, ...range, ...sparkFlags()]);
const generateSparkFor = (symbolList: string, out: string, ...flags: string[]) =>
  bf(['signals', 'generate', '--symbol-list', symbolList, '--out', out, ...flags, ...sparkFlags()]);
const generateSpark = (out: string, ...flags: string[]) => generateSparkFor(list, out, ...flags);

/** The incremental state the last Spark run stored beside `breadth`. */
async function sparkState(): Promise<IncrementalState> {
  const s3 = new S3Lake(s3LakeConfig(env));
  try {
    const text = await s3.getText(`${s3.tableKey('breadth')}/${STATE_OBJECT}`);
    if (text === null) throw new Error('no incremental state stored');
    return JSON.parse(text) as IncrementalState;
  } finally {
    s3.close();
  }
}

/** The tables a signals run stores, each as its rows in key order. */
const TABLE_ORDER: Record<string, string[]> = {
  features: ['symbol', 'date'],
  breadth: ['date'],
  breadth_series: ['date'],
  signals: ['date', 'signal'],
};

/** Output files (run ids and times blanked) and stored tables, as text to compare. */
async function outputs(
  engine: 'spark' | 'duckdb',
  out: string,
  workdir?: string,
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const f of ['breadth.csv', 'signals.csv', 'manifest.json']) {
    files[f] = readFileSync(join(out, f), 'utf8')
      .replace(/"run_id": "[^"]*"/, '"run_id": ""')
      .replace(/"generated_at": "[^"]*"/, '"generated_at": ""');
  }
  const browser = await openLakeBrowser(engine, { env, workdir });
  try {
    for (const [table, keys] of Object.entries(TABLE_ORDER)) {
      const { rows } = await browser.show(table as never, { limit: 10_000_000 });
      const key = (r: Record<string, unknown>) => keys.map((k) => String(r[k])).join('\u0000');
      rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      files[`lake/${table}`] = rows.map((r) => JSON.stringify(r)).join('\n');
    }
  } finally {
    await browser.close();
  }
  return files;
}

/** The embedded engine from a fresh workdir: fetch every CSV of the list up to `end`, recompute in full. */
async function embeddedFull(end: string, symbolList = list): Promise<Record<string, string>> {
  const wd = join(tmp, `embedded-${step++}`);
  await bf([
    'data',
    'fetch',
    '--source',
    `csv:${csvDir}`,
    '--symbol-list',
    symbolList,
    '--end',
    end,
    '--workdir',
    wd,
  ]);
  const err = await bf([
    'signals',
    'generate',
    '--symbol-list',
    symbolList,
    '--workdir',
    wd,
    '--out',
    join(wd, 'out'),
  ]);
  expect(err).toMatch(/full recompute: no stored state/);
  return outputs('duckdb', join(wd, 'out'), wd);
}

/** Spark's and the embedded engine's outputs agree: every table and the data files (the manifest names its engine). */
function expectSameAcrossEngines(spark: Record<string, string>, embedded: Record<string, string>): void {
  for (const name of Object.keys(embedded)) {
    if (name === 'manifest.json') continue;
    expect(spark[name], `${name}: spark vs embedded`).toBe(embedded[name]);
  }
}

const rowsOf = (symbol: string) => csvRows(csvDir, symbol);

const listedOn = (day: string) =>
  symbols.filter((s) => rowsOf(s).some((r) => r.startsWith(day) && !r.includes('null')));

/** A symbol with bars from the first day of the CSVs to the last. */
const listedThroughout = () =>
  symbols.find((s) => rowsOf(s)[0]!.startsWith(days[0]!) && rowsOf(s).at(-1)!.startsWith(days.at(-1)!))!;

const dayAfter = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

describe('bf signals generate --engine spark recomputes only what new bars change (issue 11 §3)', () => {
  it('two nightly days, the second with a dividend: each incremental run equals a full Spark run and the embedded engine', async () => {
    const [history, day1, day2] = [days.at(-3)!, days.at(-2)!, days.at(-1)!];

    // The history: a first run has nothing stored, so it recomputes in full.
    await fetchSpark(list, '--end', history);
    expect(await generateSpark(join(tmp, 'out-0'))).toMatch(/full recompute: no stored state/);

    // Day 1, one nightly run: one new bar per listed symbol.
    await fetchSpark(list, '--start', day1, '--end', day1);
    const err1 = await generateSpark(join(tmp, 'out-1'));
    expect(err1).toContain(
      `incremental: 1 new day, ${listedOn(day1).length} symbols recomputed, breadth re-aggregated from ${day1} (1 day)`,
    );
    const spark1 = await outputs('spark', join(tmp, 'out-1'));
    expectSameAcrossEngines(spark1, await embeddedFull(day1));
    // Again with nothing new: nothing recomputed, the same outputs.
    expect(await generateSpark(join(tmp, 'out-1-again'))).toContain(
      'incremental: no bar of the run changed, nothing recomputed',
    );
    expect(await outputs('spark', join(tmp, 'out-1-again'))).toEqual(spark1);

    // Day 2, and a dividend on it: Yahoo re-adjusts every earlier close of one symbol. The nightly fetch, then a
    // re-fetch of that symbol only, then one run: new days for all, a changed history for one.
    await fetchSpark(list, '--start', day2, '--end', day2);
    const payer = listedThroughout();
    readjustBefore(csvDir, payer, day2);
    writeFileSync(join(tmp, 'payer.txt'), `${payer}\n`);
    expect(await fetchSpark(join(tmp, 'payer.txt'))).toMatch(/replaced [1-9]\d* bar/);
    const err2 = await generateSpark(join(tmp, 'out-2'));
    expect(err2).toContain(
      `incremental: 1 new day, ${listedOn(day2).length} symbols recomputed, 1 of them from their first bar, breadth re-aggregated from ${days[0]}`,
    );
    const incremental = await outputs('spark', join(tmp, 'out-2'));

    // The same lake recomputed in full by Spark: every output file and table the same.
    expect(await generateSpark(join(tmp, 'out-2-full'), '--full')).toContain('full recompute: --full given');
    const full = await outputs('spark', join(tmp, 'out-2-full'));
    for (const name of Object.keys(full))
      expect(incremental[name], `${name}: incremental vs --full`).toBe(full[name]);
    // And the embedded engine from the same CSVs.
    expectSameAcrossEngines(incremental, await embeddedFull(day2));

    // Every Delta table reads back whole and as its metadata says.
    const verify = await runBf(['lake', 'verify', '--engine', 'spark'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 1_800_000);

  // The fallbacks below go on from the lake the first test left: prices up to the last day, a full run stored.

  it('a changed --end: an earlier one recomputes in full, a later one recomputes the days between only', async () => {
    const [earlier, later] = [days.at(-4)!, days.at(-3)!];
    // Every symbol still listed after the earlier end has bars past it: a changed history, for most of the run.
    expect(await generateSpark(join(tmp, 'out-end-0'), '--end', earlier)).toMatch(
      new RegExp(`full recompute: \\d+ of ${symbols.length} symbols changed history or are new to the run`),
    );
    expectSameAcrossEngines(await outputs('spark', join(tmp, 'out-end-0')), await embeddedFull(earlier));
    // A later end shows the bars from the day after the earlier one: new days after every stored bar.
    expect(await generateSpark(join(tmp, 'out-end-1'), '--end', later)).toMatch(
      new RegExp(
        `^incremental: 1 new day, .*breadth re-aggregated from ${dayAfter(earlier)} \\(1 day\\)$`,
        'm',
      ),
    );
    expectSameAcrossEngines(await outputs('spark', join(tmp, 'out-end-1')), await embeddedFull(later));
  }, 900_000);

  it('the tails, once TAIL_FILES_MAX pieces, are rewritten trimmed by a run of new days; the next run reads them', async () => {
    // The full run's tails and the last run's append: as many pieces as BF_TAIL_FILES_MAX allows here.
    expect((await sparkState()).tails).toHaveLength(2);
    const [rewrite, next] = [days.at(-2)!, days.at(-1)!];
    expect(await generateSpark(join(tmp, 'out-tails-0'), '--end', rewrite)).toMatch(
      new RegExp(
        `^incremental: 1 new day, .*breadth re-aggregated from ${dayAfter(days.at(-3)!)} \\(1 day\\)$`,
        'm',
      ),
    );
    expect((await sparkState()).tails, 'rewritten as one piece').toHaveLength(1);
    expectSameAcrossEngines(await outputs('spark', join(tmp, 'out-tails-0')), await embeddedFull(rewrite));
    // The next new day's windows read the rewritten tails (then appends to them again).
    expect(await generateSpark(join(tmp, 'out-tails-1'))).toMatch(
      new RegExp(
        `^incremental: 1 new day, .*breadth re-aggregated from ${dayAfter(rewrite)} \\(1 day\\)$`,
        'm',
      ),
    );
    expect((await sparkState()).tails).toHaveLength(2);
    expectSameAcrossEngines(await outputs('spark', join(tmp, 'out-tails-1')), await embeddedFull(next));
  }, 900_000);

  it('a symbol leaving the list, then joining it again: its rows go, then come back from its first bar', async () => {
    const mover = listedThroughout();
    // The same list name (the state is kept per list name) without the mover.
    const fewer = join(tmp, 'fewer', 'universe.txt');
    mkdirSync(join(tmp, 'fewer'));
    writeFileSync(fewer, `${symbols.filter((s) => s !== mover).join('\n')}\n`);
    expect(await generateSparkFor(fewer, join(tmp, 'out-left'))).toMatch(
      new RegExp(
        `^incremental: 0 new days, 0 symbols recomputed, 1 symbol left the run, breadth re-aggregated from ${days[0]} \\(\\d+ days\\)$`,
        'm',
      ),
    );
    expectSameAcrossEngines(
      await outputs('spark', join(tmp, 'out-left')),
      await embeddedFull(days.at(-1)!, fewer),
    );
    expect(await generateSpark(join(tmp, 'out-joined'))).toMatch(
      new RegExp(
        `^incremental: 0 new days, 1 symbol recomputed, 1 of them from their first bar, breadth re-aggregated from ${days[0]} \\(\\d+ days\\)$`,
        'm',
      ),
    );
    expectSameAcrossEngines(
      await outputs('spark', join(tmp, 'out-joined')),
      await embeddedFull(days.at(-1)!),
    );

    const verify = await runBf(['lake', 'verify', '--engine', 'spark'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 900_000);
});
