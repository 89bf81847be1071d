/**
 * bf's breadth against an independent reference (test/support/breadth-reference.ts, written from the README's
 * conventions) on Yahoo-format CSVs with the cases real histories have (test/support/edge-market.ts): null rows,
 * zero and absent volume, a halt, a listing, a delisting, adjusted closes, ties at a 252-day high, tiny and huge
 * prices, Yahoo symbols, line ends, a BOM, headers in another order or with extra columns, repeated and shuffled
 * dates, short histories, one-row, empty and header-only files. Each file must give the reference's answer, or
 * be refused by name. Real CLI runs on the embedded engine: a full run, then nightly runs (the incremental path).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  breadthDifferences,
  type RefBar,
  readBreadthCsv,
  referenceBreadth,
  seriesDifferences,
} from '../support/breadth-reference.ts';
import { type EdgeCase, edgeCases, edgeDays, writeEdgeCase } from '../support/edge-market.ts';
import { runBf } from '../support/run-bf.ts';

const TIMEOUT = 300_000;
const cases = edgeCases();

/** Every case that must not fail the run, in one market: their files, list and bars together. */
function oneMarket(): EdgeCase {
  const all: EdgeCase = { name: 'all', files: {}, list: [], truth: new Map(), expect: 'agree' };
  for (const c of cases.filter((c) => c.expect !== 'fail')) {
    Object.assign(all.files, c.files);
    for (const s of c.list) if (!all.list.includes(s)) all.list.push(s);
    for (const [s, bars] of c.truth) all.truth.set(s, bars);
  }
  return all;
}

const upTo = (truth: ReadonlyMap<string, readonly RefBar[]>, end: string) =>
  new Map([...truth].map(([s, bars]) => [s, bars.filter((b) => b.date <= end)] as const));

async function breadthOf(out: string): Promise<ReturnType<typeof readBreadthCsv>> {
  return readBreadthCsv(readFileSync(join(out, 'breadth.csv'), 'utf8'));
}

describe('breadth on real-world CSV edge cases equals an independent reference', () => {
  it(
    'bf pipeline run --engine embedded: every day of every case as the reference has it; files without bars named',
    async () => {
      const market = oneMarket();
      const dir = mkdtempSync(join(tmpdir(), 'bf-edge-'));
      const { csv, list } = writeEdgeCase(dir, market);
      const out = join(dir, 'out');
      const r = await runBf([
        'pipeline',
        'run',
        '--engine',
        'embedded',
        '--symbol-list',
        list,
        '--source',
        `csv:${csv}`,
        '--workdir',
        join(dir, 'wd'),
        '--out',
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const want = referenceBreadth(market.truth);
      expect(breadthDifferences(await breadthOf(out), want)).toEqual([]);
      // The series and the signals over those counts: the AD line, the EMAs, the thrusts' crossings.
      const text = (f: string) => readFileSync(join(out, f), 'utf8');
      expect(seriesDifferences(text('breadth.csv'), text('signals.csv'), want)).toEqual([]);
      for (const c of cases.filter((c) => c.expect === 'skip')) expect(r.stderr, c.name).toMatch(c.names!);
      // The conflicting repeated date is named with its file and lines.
      expect(r.stderr).toMatch(/DUPDIFF\.csv: 2 bad row\(s\): line 61: date \S+ is on lines 61 and 62/);
    },
    TIMEOUT,
  );

  it(
    'nightly runs (data fetch, then signals generate of the new days) give the reference’s breadth each night',
    async () => {
      const market = oneMarket();
      const dir = mkdtempSync(join(tmpdir(), 'bf-edge-nightly-'));
      const { csv, list } = writeEdgeCase(dir, market);
      const wd = join(dir, 'wd');
      const days = edgeDays(300);
      // A history, one night, two missed nights, then the rest (past the delisting's and the halt's edges).
      for (const [k, end] of [days[270]!, days[271]!, days[273]!, days[299]!].entries()) {
        const f = await runBf([
          'data',
          'fetch',
          '--symbol-list',
          list,
          '--source',
          `csv:${csv}`,
          '--workdir',
          wd,
          '--end',
          end,
        ]);
        expect(f.code, f.stderr).toBe(0);
        const out = join(dir, `out-${k}`);
        const g = await runBf(['signals', 'generate', '--symbol-list', list, '--workdir', wd, '--out', out]);
        expect(g.code, g.stderr).toBe(0);
        if (k > 0) expect(g.stderr, end).toMatch(/^incremental: /m);
        expect(
          breadthDifferences(await breadthOf(out), referenceBreadth(upTo(market.truth, end))),
          end,
        ).toEqual([]);
      }
    },
    TIMEOUT,
  );

  it(
    'a file whose lines disagree on a date, with --on-bad-row fail: exit 2 naming file and lines, nothing in the lake',
    async () => {
      for (const c of cases.filter((c) => c.expect === 'fail')) {
        const dir = mkdtempSync(join(tmpdir(), 'bf-edge-fail-'));
        const { csv, list } = writeEdgeCase(dir, c);
        const wd = join(dir, 'wd');
        const r = await runBf([
          'data',
          'fetch',
          '--symbol-list',
          list,
          '--source',
          `csv:${csv}`,
          '--workdir',
          wd,
          ...(c.flags ?? []),
        ]);
        expect(r.code, c.name).toBe(2);
        expect(r.stderr, c.name).toMatch(c.names!);
        expect(existsSync(join(wd, 'lake', 'prices')), c.name).toBe(false);
      }
    },
    TIMEOUT,
  );
});
