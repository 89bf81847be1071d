import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import {
  LAKE_LOCK_FILE,
  OUT_DIR_LOCK_FILE,
  TEST_LOCK_HOLD_ENV,
  TEST_SWAP_DELAY_ENV,
} from '../../src/config/lake.ts';
import { Lake } from '../../src/lake/lake.ts';
import { FileLock } from '../../src/lake/lock.ts';
import type { TableName } from '../../src/lake/tables.ts';
import { resolveSymbolList } from '../../src/sources/symbols.ts';

// Two real `bf data fetch` processes on one workdir, each merging 200 different demo_large symbols into `prices`.
// Before the lake lock, the second rename silently replaced the first writer's merge (issue 14). Every round
// must end with the union of both in the lake. Half the rounds force the race: this test holds the lake lock
// (as a third process would) until BOTH runs report that they wait for it, so both are at the read-merge-rename
// at once; the other half start both runs at the same instant with the window between writing a version and
// renaming it in widened to SWAP_DELAY_MS (BF_TEST_SWAP_DELAY_MS), so that writers without the lock would collide.
// BF_RACE_ROUNDS=50 runs the issue's 50 rounds; the default keeps the unit suite short.

const BIN = resolve(import.meta.dirname, '../../bin/bf.js');
const ROUNDS = Number(process.env.BF_RACE_ROUNDS) || 2;
const RANGE = ['--start', '2025-01-01', '--end', '2025-06-30'];
const SWAP_DELAY_MS = 3000;

interface Run {
  child: ChildProcess;
  stderr: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function startBf(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((ok) => child.on('close', (code, signal) => ok({ code, signal, stdout, stderr })));
  return { child, stderr: () => stderr, done };
}

async function until(what: string, predicate: () => boolean, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!predicate()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

/** Distinct symbols and rows actually stored in the prices Parquet files (not what _meta.json says). */
async function storedPrices(workdir: string): Promise<{ symbols: string[]; rows: number }> {
  const files = Lake.open(workdir).parquetFiles('prices') ?? [];
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
  const symbols = (await conn.runAndReadAll(`SELECT DISTINCT symbol FROM read_parquet(${list}) ORDER BY 1`))
    .getRowsJS()
    .map((r) => String(r[0]));
  const rows = Number(
    (await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${list})`)).getRowsJS()[0]?.[0],
  );
  conn.closeSync();
  db.closeSync();
  return { symbols, rows };
}

/** `SELECT …` over one lake table's Parquet files (`{t}` stands for the table). */
async function query(workdir: string, table: TableName, sql: string): Promise<unknown[][]> {
  const files = Lake.open(workdir).parquetFiles(table) ?? [];
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const list = `read_parquet([${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}])`;
  const rows = (await conn.runAndReadAll(sql.replace('{t}', list))).getRowsJS();
  conn.closeSync();
  db.closeSync();
  return rows;
}

async function twoLists(dir: string): Promise<{ a: string; b: string; union: string[] }> {
  const all = (await resolveSymbolList('demo_large')).symbols;
  const a = all.slice(0, 200);
  const b = all.slice(200, 400);
  writeFileSync(join(dir, 'a.txt'), `${a.join('\n')}\n`);
  writeFileSync(join(dir, 'b.txt'), `${b.join('\n')}\n`);
  return { a: join(dir, 'a.txt'), b: join(dir, 'b.txt'), union: [...a, ...b].sort() };
}

const fetchArgs = (list: string, workdir: string) => [
  'data',
  'fetch',
  '--symbol-list',
  list,
  '--source',
  'sample',
  '--workdir',
  workdir,
  ...RANGE,
];

const bars = (stdout: string) => Number(/fetched (\d+) bars/.exec(stdout)?.[1] ?? Number.NaN);

describe('two bf processes on one workdir', () => {
  it(
    `keep both writers' symbols in the lake, ${ROUNDS} rounds of racing two real \`bf data fetch\``,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bf-race-'));
      const lists = await twoLists(dir);
      let forcedWaits = 0;
      let naturalWaits = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const workdir = join(dir, `wd-${round}`);
        mkdirSync(workdir);
        const forced = round % 2 === 0;
        const gate = new FileLock(join(workdir, LAKE_LOCK_FILE), {
          label: 'the lake lock',
          command: 'the race test',
          timeoutMs: 0,
        });
        let release = () => {};
        const gateHeld = forced
          ? new Promise<void>((held) => {
              void gate.exclusive(
                () =>
                  new Promise<void>((r) => {
                    release = r;
                    held();
                  }),
              );
            })
          : Promise.resolve();
        await gateHeld;
        // Free rounds widen the read-merge-rename window (test hook) so that unlocked writers would collide.
        const env: Record<string, string> = forced ? {} : { [TEST_SWAP_DELAY_ENV]: String(SWAP_DELAY_MS) };
        const runA = startBf(fetchArgs(lists.a, workdir), env);
        const runB = startBf(fetchArgs(lists.b, workdir), env);
        if (forced) {
          const waiting = `waiting for the lake lock held by pid ${process.pid} (the race test`;
          await until('both runs wait for the lake lock', () =>
            [runA, runB].every((r) => r.stderr().includes(waiting)),
          );
          release();
        }
        const [a, b] = await Promise.all([runA.done, runB.done]);
        gate.close();
        expect(a.code, `round ${round} run A: ${a.stderr}`).toBe(0);
        expect(b.code, `round ${round} run B: ${b.stderr}`).toBe(0);
        const stored = await storedPrices(workdir);
        expect(stored.symbols, `round ${round}`).toEqual(lists.union);
        expect(stored.rows, `round ${round}`).toBe(bars(a.stdout) + bars(b.stdout));
        expect(readdirSync(join(workdir, 'lake')), `round ${round}: nothing left over`).toEqual(['prices']);
        // After the gate opens, one run takes the lock and the other must wait for it a second time.
        const waitedForPeer = [a, b].filter((r) =>
          /waiting for the lake lock held by pid \d+ \(bf data fetch/.test(r.stderr),
        );
        if (forced) {
          expect(waitedForPeer.length, `round ${round}: one run waited for the other`).toBe(1);
          forcedWaits++;
        } else if (waitedForPeer.length > 0) naturalWaits++;
      }
      console.log(
        `lake race: ${ROUNDS}/${ROUNDS} rounds kept the union; forced overlaps ${forcedWaits}, natural overlaps ${naturalWaits} of ${ROUNDS - forcedWaits}`,
      );
    },
    ROUNDS * 90_000,
  );

  it('a SIGKILLed lock holder does not block the next run, and its half-done work is not in the lake', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-race-'));
    const lists = await twoLists(dir);
    const workdir = join(dir, 'wd');
    const first = await startBf(fetchArgs(lists.a, workdir)).done;
    expect(first.code, first.stderr).toBe(0);

    // A real bf run that takes the lake lock and then holds it (test hook) until it is killed.
    const victim = startBf(fetchArgs(lists.b, workdir), { [TEST_LOCK_HOLD_ENV]: '600000' });
    const probe = new FileLock(join(workdir, LAKE_LOCK_FILE), { label: 'the lake lock', timeoutMs: 0 });
    await until('the victim holds the lake lock', () => probe.holder()?.pid === victim.child.pid);
    await expect(probe.exclusive(async () => 'free?')).rejects.toThrow(
      `held by pid ${victim.child.pid} (bf data fetch`,
    );
    victim.child.kill('SIGKILL');
    expect((await victim.done).signal).toBe('SIGKILL');

    const next = await startBf(fetchArgs(lists.b, workdir), { BF_LOCK_TIMEOUT: '30' }).done;
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toContain('waiting for the lake lock');
    expect((await storedPrices(workdir)).symbols).toEqual(lists.union);
    expect(readdirSync(join(workdir, 'lake'))).toEqual(['prices']);
    probe.close();
  }, 240_000);

  it('a run that cannot get the lock in BF_LOCK_TIMEOUT fails naming the holder and leaves the lake as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-race-'));
    const lists = await twoLists(dir);
    const workdir = join(dir, 'wd');
    const first = await startBf(fetchArgs(lists.a, workdir)).done;
    expect(first.code, first.stderr).toBe(0);
    const before = await storedPrices(workdir);
    const holder = new FileLock(join(workdir, LAKE_LOCK_FILE), {
      label: 'the lake lock',
      command: 'bf pipeline run',
      timeoutMs: 0,
    });
    const r = await holder.exclusive(
      () => startBf(fetchArgs(lists.b, workdir), { BF_LOCK_TIMEOUT: '1' }).done,
    );
    holder.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `error: gave up after 1 s waiting for the lake lock \\(.*lake\\.lock\\), held by pid ${process.pid} \\(bf pipeline run, started \\d+ s ago\\)`,
      ),
    );
    expect(r.stderr).toContain('hint: let that run finish');
    expect(await storedPrices(workdir)).toEqual(before);
    expect(readdirSync(join(workdir, 'lake'))).toEqual(['prices']);
  }, 240_000);

  it('two runs writing one --out directory at once leave every file whole and the set from one run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-race-'));
    const lists = await twoLists(dir);
    const wd = { a: join(dir, 'wd-a'), b: join(dir, 'wd-b') };
    const fetched = await Promise.all([
      startBf(fetchArgs(lists.a, wd.a)).done,
      startBf(fetchArgs(lists.b, wd.b)).done,
    ]);
    for (const f of fetched) expect(f.code, f.stderr).toBe(0);
    const generate = (workdir: string, list: string, out: string) =>
      startBf(['signals', 'generate', '--symbol-list', list, '--workdir', workdir, '--out', out]);
    const files = (out: string) =>
      ['breadth.csv', 'signals.csv'].map((f) => readFileSync(join(out, f), 'utf8'));
    // What each run writes on its own.
    const refs = await Promise.all([
      generate(wd.a, lists.a, join(dir, 'ref-a')).done,
      generate(wd.b, lists.b, join(dir, 'ref-b')).done,
    ]);
    for (const r of refs) expect(r.code, r.stderr).toBe(0);
    const refA = files(join(dir, 'ref-a'));
    const refB = files(join(dir, 'ref-b'));
    expect(refA[0]).not.toBe(refB[0]);

    const rounds = Math.max(1, Math.ceil(ROUNDS / 2));
    for (let round = 0; round < rounds; round++) {
      const out = join(dir, `out-${round}`);
      mkdirSync(out);
      // Hold the directory's lock until both runs wait for it, so both rename their sets at the same moment.
      const gate = new FileLock(join(out, OUT_DIR_LOCK_FILE), {
        label: 'x',
        command: 'the race test',
        timeoutMs: 0,
      });
      const [a, b] = await gate.exclusive(async () => {
        const runs = [generate(wd.a, lists.a, out), generate(wd.b, lists.b, out)];
        await until('both runs wait for the output directory', () =>
          runs.every((r) =>
            r.stderr().includes(`waiting for the lock of output directory ${out} held by pid ${process.pid}`),
          ),
        );
        return runs;
      });
      gate.close();
      const [ra, rb] = await Promise.all([a!.done, b!.done]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rb.code, rb.stderr).toBe(0);
      const got = files(out);
      expect([refA, refB], `round ${round}: the set is one run's`).toContainEqual(got);
      expect(readdirSync(out).sort(), `round ${round}: no temp files`).toEqual([
        OUT_DIR_LOCK_FILE,
        'breadth.csv',
        'manifest.json',
        'signals.csv',
      ]);
      // The manifest is the same run's: its checksums are the files'.
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
        files: { name: string; sha256: string }[];
      };
      for (const f of manifest.files) {
        expect(
          createHash('sha256')
            .update(readFileSync(join(out, f.name)))
            .digest('hex'),
        ).toBe(f.sha256);
      }
    }
  }, 300_000);

  it('two `bf signals generate` runs on one workdir leave features, breadth, breadth_series and signals from one run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-race-'));
    const lists = await twoLists(dir);
    const workdir = join(dir, 'wd');
    for (const list of [lists.a, lists.b]) {
      const r = await startBf(fetchArgs(list, workdir)).done;
      expect(r.code, r.stderr).toBe(0);
    }
    const generate = (list: string) =>
      startBf(['signals', 'generate', '--symbol-list', list, '--workdir', workdir], {
        [TEST_SWAP_DELAY_ENV]: String(SWAP_DELAY_MS),
      });
    const rounds = Math.max(1, Math.ceil(ROUNDS / 2));
    for (let round = 0; round < rounds; round++) {
      const [a, b] = await Promise.all([generate(lists.a).done, generate(lists.b).done]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const lake = Lake.open(workdir);
      const featureSymbols = lake.readMeta('features')?.symbols;
      expect([lists.a, lists.b].map((l) => readFileSync(l, 'utf8').trim().split('\n').sort())).toContainEqual(
        featureSymbols,
      );
      expect(lake.readMeta('breadth')?.symbols, `round ${round}`).toEqual(featureSymbols);
      // The derived series was computed from the stored breadth, not from the other run's.
      const mismatched = await query(
        workdir,
        'breadth',
        `SELECT count(*) FROM {t} b FULL JOIN read_parquet([${(lake.parquetFiles('breadth_series') ?? []).map((f) => `'${f}'`).join(', ')}]) s USING (date)
         WHERE b.advancers IS DISTINCT FROM s.advancers OR b.decliners IS DISTINCT FROM s.decliners`,
      );
      expect(
        Number(mismatched[0]?.[0]),
        `round ${round}: breadth_series rows not from the stored breadth`,
      ).toBe(0);
    }
  }, 300_000);
});
