import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { priceWalk } from '../../../test/support/price-walk.ts';
import type { DailyBar } from '../../domain/bar.ts';
import type { BreadthDay } from '../../domain/breadth.ts';
import { Lake, TABLE } from '../../lake/index.ts';
import { BfError } from '../../util/errors.ts';
import { silentLogger } from '../../util/log.ts';
import { DuckDbEngine } from './duckdb-engine.ts';

const opened: DuckDbEngine[] = [];
afterEach(async () => {
  for (const e of opened.splice(0)) await e.close();
});

async function engine(opts: { threads?: number } = {}): Promise<DuckDbEngine> {
  const e = await DuckDbEngine.open(Lake.open(mkdtempSync(join(tmpdir(), 'bf-duck-'))), opts);
  opened.push(e);
  return e;
}

/** Day n as an ISO date (consecutive calendar days from 2020-01-01). */
function day(n: number): string {
  return new Date(Date.UTC(2020, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
}

function bar(symbol: string, n: number, adjClose: number): DailyBar {
  return { symbol, date: day(n), open: null, high: null, low: null, close: adjClose, adjClose, volume: 100 };
}

/** Bars on consecutive days from day `from`, one per price. */
function series(symbol: string, prices: readonly number[], from = 0): DailyBar[] {
  return prices.map((p, i) => bar(symbol, from + i, p));
}

function byDate(rows: BreadthDay[]): Map<string, BreadthDay> {
  return new Map(rows.map((r) => [r.date, r]));
}

const zeroCounts = {
  advancers: 0,
  decliners: 0,
  unchanged: 0,
  aboveSma50: 0,
  withSma50: 0,
  aboveSma200: 0,
  withSma200: 0,
  newHighs: 0,
  newLows: 0,
};

describe('DuckDbEngine.computeBreadth on hand-made bars', () => {
  it('compares with the previous available bar, counts first bars only as issues, and unions dates', async () => {
    const e = await engine();
    await e.writePrices(
      [
        bar('A', 0, 10), // first bar: no direction
        bar('A', 1, 11), // up
        // A has no bar on day 2: no forward fill, A counts nowhere that day
        bar('A', 3, 10.5), // down vs day 1 (11)
        ...series('B', [10, 10, 10, 10]), // unchanged from day 1 on
        ...series('C', [5, 6], 2), // late listing: first bar day 2, up day 3
        ...series('D', [7, 6]), // delisted after day 1
        bar('E', 5, 3), // only symbol on day 5: a date of its own
      ],
      { source: 'test', synthetic: true },
    );
    const rows = await e.computeBreadth();
    expect(rows.map((r) => r.date)).toEqual([day(0), day(1), day(2), day(3), day(5)]);
    const d = byDate(rows);
    expect(d.get(day(0))).toEqual({ date: day(0), ...zeroCounts, issues: 3, ewReturn: null });
    expect(d.get(day(1))).toMatchObject({ advancers: 1, decliners: 1, unchanged: 1, issues: 3 });
    expect(d.get(day(1))?.ewReturn).toBeCloseTo((0.1 + 0 + (6 / 7 - 1)) / 3, 12);
    expect(d.get(day(2))).toMatchObject({ advancers: 0, decliners: 0, unchanged: 1, issues: 2, ewReturn: 0 });
    expect(d.get(day(3))).toMatchObject({ advancers: 1, decliners: 1, unchanged: 1, issues: 3 });
    expect(d.get(day(3))?.ewReturn).toBeCloseTo((10.5 / 11 - 1 + 0 + 0.2) / 3, 12);
    expect(d.get(day(5))).toEqual({ date: day(5), ...zeroCounts, issues: 1, ewReturn: null });
  });

  it('defines SMA50/SMA200 from the 50th/200th bar, with a strict above test', async () => {
    const e = await engine();
    const rising = Array.from({ length: 210 }, (_, i) => 100 + i * 0.25);
    const flat = Array.from({ length: 210 }, () => 42.42);
    await e.writePrices([...series('UP', rising), ...series('FLAT', flat)], { source: 't', synthetic: true });
    const d = byDate(await e.computeBreadth());
    expect(d.get(day(48))).toMatchObject({ withSma50: 0, aboveSma50: 0 });
    expect(d.get(day(49))).toMatchObject({ withSma50: 2, aboveSma50: 1 }); // 50th bar; flat equals its SMA
    expect(d.get(day(198))).toMatchObject({ withSma200: 0, aboveSma200: 0 });
    expect(d.get(day(199))).toMatchObject({ withSma200: 2, aboveSma200: 1 });
  });

  it('counts a 252-bar new high/low only with 252 previous bars, against exactly the previous 252', async () => {
    const e = await engine();
    // H: bar 1 is the high; bars 2..252 lower; bar 253 (day 252) is below bar 1 (still in its window);
    // bar 254 (day 253) is above everything in bars 2..253 once bar 1 has left the window.
    const h = [100, ...Array.from({ length: 251 }, () => 50), 90, 95];
    // L mirrors H for lows.
    const l = [10, ...Array.from({ length: 251 }, () => 50), 20, 15];
    // R rises every bar: a new high on bar 253 (day 252) but not on bar 252 (day 251).
    const r = Array.from({ length: 254 }, (_, i) => 1 + i);
    await e.writePrices([...series('H', h), ...series('L', l), ...series('R', r)], {
      source: 't',
      synthetic: true,
    });
    const d = byDate(await e.computeBreadth());
    expect(d.get(day(251))).toMatchObject({ newHighs: 0, newLows: 0 });
    expect(d.get(day(252))).toMatchObject({ newHighs: 1, newLows: 0 }); // R only
    expect(d.get(day(253))).toMatchObject({ newHighs: 2, newLows: 1 }); // R and H; L
  });

  it('compares new highs/lows on closes rounded to 1e-6: less than a millionth above the max is no new high', async () => {
    const e = await engine();
    const flat = Array.from({ length: 252 }, () => 50);
    await e.writePrices(
      [
        ...series('T', [...flat, 50.0000004]),
        ...series('U', [...flat, 50.000001]),
        ...series('V', [...flat, 49.9999996]),
      ],
      { source: 't', synthetic: true },
    );
    // T rounds to 50.000000 (equal to the max), U to 50.000001 (above it); V rounds to 50.000000 (not below the min).
    expect(byDate(await e.computeBreadth()).get(day(252))).toMatchObject({ newHighs: 1, newLows: 0 });
  });

  it('takes prices up to the lake limit (below 1e12): their SMA200 test does not overflow the decimals', async () => {
    const e = await engine();
    // 200 × 9.9e11 is far past DECIMAL(18,6): the product must be taken wider than the price.
    const big = Array.from({ length: 201 }, (_, i) => 9.9e11 - (i % 2) * 1e9);
    await e.writePrices(series('BIG', big), { source: 't', synthetic: true });
    const d = byDate(await e.computeBreadth());
    expect(d.get(day(199))).toMatchObject({ withSma50: 1, aboveSma50: 0, withSma200: 1, aboveSma200: 0 });
    expect(d.get(day(200))).toMatchObject({ withSma50: 1, aboveSma50: 1, withSma200: 1, aboveSma200: 1 });
  });

  it('filters to the given symbols and stores features and breadth in the lake', async () => {
    const e = await engine();
    await e.writePrices([...series('A', [1, 2, 3]), ...series('B', [3, 2, 1])], {
      source: 't',
      synthetic: true,
    });
    const rows = await e.computeBreadth(['B']);
    expect(rows.map((r) => [r.advancers, r.decliners, r.issues])).toEqual([
      [0, 0, 1],
      [0, 1, 1],
      [0, 1, 1],
    ]);
    expect(await e.readMeta(TABLE.features)).toMatchObject({
      rows: 3,
      symbols: ['B'],
      source: 't',
      synthetic: true,
    });
    expect(await e.readMeta(TABLE.breadth)).toMatchObject({ rows: 3 });
    const stored = await e.readRows(TABLE.breadth);
    expect(stored.map((s) => s.decliners)).toEqual([0, 1, 1]);
    const features = await e.readRows(TABLE.features);
    expect(features.find((f) => f.date === day(1))).toMatchObject({
      symbol: 'B',
      bar_index: 2,
      direction: -1,
    });
  });

  it('names the workdir and `bf data fetch` when the lake has no prices, and lists absent symbols', async () => {
    const e = await engine();
    const err = await e.computeBreadth().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(BfError);
    expect((err as BfError).message).toContain(e.lake.workdir);
    expect((err as BfError).hint).toContain('bf data fetch');
    await e.writePrices(series('A', [1, 2]), { source: 't', synthetic: true });
    await expect(e.computeBreadth(['A', 'ZZZ', 'QQ'])).rejects.toThrow(/2 of 3 symbols .*QQ, ZZZ/);
  });
});

describe('DuckDbEngine.writePrices', () => {
  it('merges by (symbol, date): rewriting the same bars changes nothing, new bars replace old ones', async () => {
    const e = await engine();
    expect(await e.writePrices(series('A', [1, 2, 3]), { source: 'yahoo', synthetic: false })).toEqual({
      rows: 3,
      symbols: 1,
      replaced: 0,
      added: 3,
      vanished: [],
      dropped: false,
    });
    const first = await e.readMeta(TABLE.prices);
    expect(await e.writePrices(series('A', [1, 2, 3]), { source: 'yahoo', synthetic: false })).toMatchObject({
      rows: 3,
      symbols: 1,
      replaced: 0,
      added: 0,
    });
    expect((await e.readMeta(TABLE.prices))?.writtenAt).toBe(first?.writtenAt);
    // Replace day 2, add day 3 and a new symbol; the last bar given for a key wins.
    const update = [bar('A', 2, 9), bar('A', 3, 4), bar('B', 0, 5), bar('B', 0, 6)];
    expect(await e.writePrices(update, { source: 'csv', synthetic: true })).toMatchObject({
      rows: 5,
      symbols: 2,
      replaced: 1,
      added: 2,
    });
    const prices = await e.readRows(TABLE.prices);
    expect(prices.map((p) => [p.symbol, p.date, p.adj_close])).toEqual([
      ['A', day(0), 1],
      ['A', day(1), 2],
      ['A', day(2), 9],
      ['A', day(3), 4],
      ['B', day(0), 6],
    ]);
    expect(await e.readMeta(TABLE.prices)).toMatchObject({
      source: 'csv+yahoo',
      synthetic: true,
      symbols: ['A', 'B'],
    });
  });

  it('writes nothing for no bars, and runs concurrent calls one after the other', async () => {
    const e = await engine();
    expect(await e.writePrices([], { source: 't', synthetic: false })).toMatchObject({ rows: 0, symbols: 0 });
    expect(await e.readMeta(TABLE.prices)).toBeNull();
    const [a, b, breadth] = await Promise.all([
      e.writePrices(series('A', [1, 2]), { source: 't', synthetic: false }),
      e.writePrices(series('B', [2, 1]), { source: 't', synthetic: false }),
      e.computeBreadth(),
    ]);
    expect([a, b]).toMatchObject([
      { rows: 2, symbols: 1 },
      { rows: 4, symbols: 2 },
    ]);
    expect(breadth.map((r) => [r.advancers, r.decliners])).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it('names the bars of a fetched symbol in the range that the source no longer has: kept, or dropped with replace', async () => {
    const e = await engine();
    const range = { start: day(0), end: day(4) };
    await e.writePrices([...series('A', [1, 2, 3, 4, 5]), ...series('B', [1, 2])], {
      source: 'sample',
      synthetic: true,
      range,
    });
    // The source now lacks A's first two days; B is not fetched again, so nothing of it vanished.
    const later = { source: 'csv:/d', synthetic: false, range };
    const kept = await e.writePrices(series('A', [3, 4, 5], 2), later);
    expect(kept).toMatchObject({
      replaced: 0,
      added: 0,
      vanished: [{ symbol: 'A', bars: 2, first: day(0), last: day(1) }],
      dropped: false,
    });
    expect((await e.readRows(TABLE.prices)).filter((r) => r.symbol === 'A')).toHaveLength(5);
    // Kept bars keep the older source in A's lineage; B's stays sample.
    const meta = await e.readMeta(TABLE.prices);
    expect(meta?.lineage?.A?.map((seg) => seg.source)).toEqual(['sample', 'csv:/d']);
    expect(meta?.lineage?.B?.map((seg) => seg.source)).toEqual(['sample']);

    const dropped = await e.writePrices(series('A', [3, 4, 5], 2), { ...later, replace: true });
    expect(dropped).toMatchObject({ rows: 5, vanished: [{ symbol: 'A', bars: 2 }], dropped: true });
    const a = (await e.readRows(TABLE.prices)).filter((r) => r.symbol === 'A').map((r) => r.date);
    expect(a).toEqual([day(2), day(3), day(4)]);
    expect((await e.readMeta(TABLE.prices))?.lineage?.A?.map((seg) => seg.source)).toEqual(['csv:/d']);
  });

  it('rejects bars without a real date or a positive adjusted close', async () => {
    const e = await engine();
    await expect(e.writePrices([bar('A', 0, 0)], { source: 't', synthetic: false })).rejects.toThrow(
      /not a positive/,
    );
    await expect(
      e.writePrices([{ ...bar('A', 0, 1), date: '2021-02-30' }], { source: 't', synthetic: false }),
    ).rejects.toThrow(/bad bar/);
    expect(await e.readMeta(TABLE.prices)).toBeNull();
  });
});

describe('DuckDbEngine small tables', () => {
  it('round-trips rows with dates, integers, booleans and nulls', async () => {
    const e = await engine();
    const rows = [
      { date: '2024-03-01', signal: 'zweig_breadth_thrust', value: 0.6151, n: 3, ok: true },
      { date: '2024-03-04', signal: 'deemer_breadth_thrust', value: null, n: null, ok: false },
    ];
    const meta = await e.writeRows(TABLE.signals, rows, [
      { name: 'date', type: 'DATE' },
      { name: 'signal', type: 'VARCHAR' },
      { name: 'value', type: 'DOUBLE' },
      { name: 'n', type: 'BIGINT' },
      { name: 'ok', type: 'BOOLEAN' },
    ]);
    expect(meta.rows).toBe(2);
    expect(await e.readRows(TABLE.signals)).toEqual(rows);
    await expect(e.readRows(TABLE.backtestTrades)).rejects.toThrow(/backtest_trades does not exist/);
    await expect(e.writeRows(TABLE.signals, [{ n: 1.5 }], [{ name: 'n', type: 'BIGINT' }])).rejects.toThrow(
      /column n \(BIGINT\)/,
    );
  });
});

describe('DuckDbEngine appendable tables (breadth_series)', () => {
  const columns = [
    { name: 'date', type: 'DATE' },
    { name: 'advancers', type: 'BIGINT' },
    { name: 'zweig_ema', type: 'DOUBLE' },
  ] as const;
  const rowsUpTo = (n: number, ema = (i: number) => 0.5 + i / 1000) =>
    Array.from({ length: n }, (_, i) => ({ date: day(i), advancers: i, zweig_ema: i === 0 ? null : ema(i) }));
  const write = (e: DuckDbEngine, rows: ReturnType<typeof rowsUpTo>) =>
    e.writeTables([{ table: TABLE.breadthSeries, rows, columns, meta: { source: 't' }, appendable: true }]);
  const files = (e: DuckDbEngine) =>
    readdirSync(e.lake.tableDir(TABLE.breadthSeries)).filter((f) => f.endsWith('.parquet'));
  const sorted = async (e: DuckDbEngine) =>
    (await e.readRows(TABLE.breadthSeries)).sort((a, b) => String(a.date).localeCompare(String(b.date)));

  it('keeps the stored rows and writes only the new ones when the stored ones come first', async () => {
    const e = await engine();
    await write(e, rowsUpTo(5));
    expect(files(e)).toEqual(['breadth_series.parquet']);
    await write(e, rowsUpTo(6));
    await write(e, rowsUpTo(8));
    expect(files(e).filter((f) => f.startsWith('delta-'))).toHaveLength(2);
    expect(await sorted(e)).toEqual(rowsUpTo(8));
    expect((await e.readMeta(TABLE.breadthSeries))!.rows).toBe(8);
  });

  it('adds nothing when the same rows come again (a day is never stored twice)', async () => {
    const e = await engine();
    await write(e, rowsUpTo(5));
    await write(e, rowsUpTo(6));
    await write(e, rowsUpTo(6));
    expect(files(e).filter((f) => f.startsWith('delta-'))).toHaveLength(1);
    expect(await sorted(e)).toEqual(rowsUpTo(6));
  });

  it('rewrites the table when a stored row differs (a re-aggregated history, other code), or rows are fewer', async () => {
    const e = await engine();
    await write(e, rowsUpTo(5));
    await write(e, rowsUpTo(6));
    // Day 2 changed, one day added: the stored rows are not the first of these.
    const changed = rowsUpTo(7, (i) => (i === 2 ? 0.9 : 0.5 + i / 1000));
    await write(e, changed);
    expect(files(e)).toEqual(['breadth_series.parquet']);
    expect(await sorted(e)).toEqual(changed);
    // The last value of a double differing in its last bit is a different row.
    const last = rowsUpTo(7, (i) =>
      i === 6 ? changed[6]!.zweig_ema! * (1 + Number.EPSILON) : changed[i]!.zweig_ema!,
    );
    await write(e, [...last, ...rowsUpTo(8).slice(7)]);
    expect(files(e)).toEqual(['breadth_series.parquet']);
    await write(e, rowsUpTo(3));
    expect(files(e)).toEqual(['breadth_series.parquet']);
    expect(await sorted(e)).toEqual(rowsUpTo(3));
  });

  it('rewrites a table stored without a digest (another writer, an older bf)', async () => {
    const e = await engine();
    await e.writeRows(TABLE.breadthSeries, rowsUpTo(5), columns);
    expect((await e.readMeta(TABLE.breadthSeries))!.rowsDigest).toBeUndefined();
    await write(e, rowsUpTo(6));
    expect(files(e)).toEqual(['breadth_series.parquet']);
    expect(await sorted(e)).toEqual(rowsUpTo(6));
  });
});

/** Independent per-bar reference of sql/features.sql + sql/breadth.sql, for the counts. */
function referenceBreadth(
  bars: readonly DailyBar[],
): Map<string, Omit<BreadthDay, 'ewReturn'> & { rets: number[] }> {
  const bySymbol = new Map<string, DailyBar[]>();
  for (const b of bars) bySymbol.set(b.symbol, [...(bySymbol.get(b.symbol) ?? []), b]);
  const out = new Map<string, Omit<BreadthDay, 'ewReturn'> & { rets: number[] }>();
  for (const list of bySymbol.values()) {
    list.sort((a, b) => a.date.localeCompare(b.date));
    const micros = list.map((b) => Math.round(b.adjClose * 1e6));
    list.forEach((b, i) => {
      const row = out.get(b.date) ?? { date: b.date, ...zeroCounts, issues: 0, rets: [] };
      out.set(b.date, row);
      row.issues++;
      const prev = list[i - 1]?.adjClose;
      if (prev !== undefined) {
        if (b.adjClose > prev) row.advancers++;
        else if (b.adjClose < prev) row.decliners++;
        else row.unchanged++;
        row.rets.push(b.adjClose / prev - 1);
      }
      for (const [n, withKey, aboveKey] of [
        [50, 'withSma50', 'aboveSma50'],
        [200, 'withSma200', 'aboveSma200'],
      ] as const) {
        if (i + 1 >= n) {
          row[withKey]++;
          const sum = micros.slice(i + 1 - n, i + 1).reduce((s, x) => s + x, 0);
          if (micros[i]! * n > sum) row[aboveKey]++;
        }
      }
      if (i >= 252) {
        const window = micros.slice(i - 252, i);
        if (micros[i]! > Math.max(...window)) row.newHighs++;
        if (micros[i]! < Math.min(...window)) row.newLows++;
      }
    });
  }
  return out;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('DuckDbEngine against an independent reference', () => {
  it('matches a per-bar TypeScript reference on random bars with gaps, listings and delistings', async () => {
    const rand = rng(7);
    const bars: DailyBar[] = [];
    for (let s = 0; s < 12; s++) {
      const start = Math.floor(rand() * 120);
      const end = 300 + Math.floor(rand() * 200);
      let p = 20 + rand() * 80;
      for (let n = start; n < end; n++) {
        if (rand() < 0.05) continue; // gap
        // Prices on a cent grid, with frequent exact repeats to exercise "unchanged" and SMA ties.
        if (rand() > 0.2) p = Math.max(0.01, p * (1 + (rand() - 0.5) * 0.06));
        bars.push(bar(`S${s}`, n, Math.round(p * 100) / 100));
      }
    }
    const e = await engine();
    await e.writePrices(bars, { source: 'random', synthetic: true });
    const got = await e.computeBreadth();
    const want = referenceBreadth(bars);
    expect(got.map((r) => r.date)).toEqual([...want.keys()].sort());
    for (const row of got) {
      const { rets, ...counts } = want.get(row.date)!;
      const { ewReturn, ...gotCounts } = row;
      expect(gotCounts).toEqual(counts);
      if (rets.length === 0) expect(ewReturn).toBeNull();
      else expect(ewReturn).toBeCloseTo(rets.reduce((s, x) => s + x, 0) / rets.length, 11);
    }
    // Same answer, to the bit, with one thread: the decimal sums do not depend on order.
    const single = await engine({ threads: 1 });
    await single.writePrices(bars, { source: 'random', synthetic: true });
    expect(await single.computeBreadth()).toEqual(got);
  });
});

describe('DuckDbEngine incremental runs: missed nights, then one', () => {
  it('two new bars in one run (framed aggregates), then one (the running state): as a full run stores them', async () => {
    const rand = rng(11);
    // Long, around the look-back, short, and a late listing: 8 bars of each leave after the first run.
    const bars: DailyBar[] = [];
    for (const [s, start, end] of [
      ['L', 0, 420],
      ['M', 150, 420],
      ['S', 380, 420],
      ['N', 410, 420],
    ] as const) {
      let p = 50;
      for (let n = start; n < end; n++) {
        p = Math.max(1, Math.round((p + (rand() - 0.45) * 3) * 4) / 4);
        bars.push(bar(s, n, p));
      }
    }
    const meta = { source: 'random', synthetic: true };
    const upTo = (last: number) => bars.filter((b) => b.date <= day(last));
    const paths: string[] = [];
    const onPath = (p: { incremental: boolean; summary?: string; reason?: string }) => {
      paths.push(p.incremental ? p.summary! : `full: ${p.reason}`);
    };
    const e = await engine();
    await e.writePrices(upTo(416), meta);
    await e.computeBreadth(undefined, {}, { listName: 'l', onPath });
    await e.writePrices(
      bars.filter((b) => b.date > day(416) && b.date <= day(418)),
      meta,
    );
    await e.computeBreadth(undefined, {}, { listName: 'l', onPath });
    await e.writePrices(
      bars.filter((b) => b.date > day(418)),
      meta,
    );
    const got = await e.computeBreadth(undefined, {}, { listName: 'l', onPath });
    expect(paths[0]).toMatch(/^full: /);
    expect(paths[1]).toMatch(/^incremental: 2 new days, 4 symbols recomputed/);
    expect(paths[2]).toMatch(/^incremental: 1 new day, 4 symbols recomputed/);

    const fresh = await engine();
    await fresh.writePrices(bars, meta);
    expect(await fresh.computeBreadth(undefined, {}, { listName: 'l' })).toEqual(got);
    const sorted = (rows: Record<string, unknown>[]) =>
      rows.sort((a, b) => `${a.symbol}${a.date}`.localeCompare(`${b.symbol}${b.date}`));
    expect(sorted(await e.readRows(TABLE.features))).toEqual(sorted(await fresh.readRows(TABLE.features)));
    // The running state the next night starts from: each symbol's sums and max/min at its last bar.
    const running = async (x: DuckDbEngine) => {
      const dir = x.lake.tableDir(TABLE.breadth);
      const file = readdirSync(dir).find((f) => f.startsWith('_incremental-running-'))!;
      const db = await (await DuckDBInstance.create(':memory:')).connect();
      const rows = (
        await db.runAndReadAll(`SELECT * FROM read_parquet('${join(dir, file)}') ORDER BY symbol`)
      ).getRowObjectsJS();
      db.closeSync();
      return rows;
    };
    const stored = await running(e);
    expect(stored.map((r) => r.symbol)).toEqual(['L', 'M', 'N', 'S']);
    expect(stored).toEqual(await running(fresh));
  });
});

describe('DuckDbEngine full runs: the window scan gives features.sql’s rows', () => {
  it('the same features and breadth as features.sql as written, for a list, a range and a lake of several files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-duck-scan-'));
    const writer = await DuckDbEngine.open(Lake.open(dir));
    opened.push(writer);
    const histories = [1, 2, 3, 4, 5, 6].map((s) => ({
      symbol: `S${s}`,
      from: s * 20,
      prices: priceWalk(s, 250 + s * 70).map((p, i) => p + ((i * 7919) % 1000) / 1e6),
    }));
    const between = (first: number, last: number) =>
      histories.flatMap((h) =>
        series(h.symbol, h.prices, h.from).filter((b) => b.date >= day(first) && b.date <= day(last)),
      );
    // The history, then days appended as a delta file: the scan must sort what the files do not.
    await writer.writePrices(between(0, 560), { source: 'test', synthetic: true });
    await writer.writePrices(between(561, 800), { source: 'test', synthetic: true });
    expect(
      readdirSync(writer.lake.tableDir(TABLE.prices)).filter((f) => f.startsWith('delta-')),
    ).toHaveLength(1);
    await writer.close();
    opened.splice(opened.indexOf(writer), 1);

    const run = async (mode: 'scan' | 'sql', symbols?: string[], range = {}) => {
      const said: string[] = [];
      const logger = { ...silentLogger, info: (m: string) => said.push(m) };
      const e = await DuckDbEngine.open(Lake.open(dir), { featureWindows: mode, logger });
      try {
        const breadth = await e.computeBreadth(symbols, range, { full: true });
        const features = (await e.readRows(TABLE.features)).sort(
          (a, b) =>
            String(a.symbol).localeCompare(String(b.symbol)) || String(a.date).localeCompare(String(b.date)),
        );
        return { breadth, features, said };
      } finally {
        await e.close();
      }
    };
    for (const [symbols, range] of [
      [undefined, {}],
      [['S2', 'S5', 'S6'], {}],
      [['S1', 'S3', 'S4', 'S6'], { start: day(100), end: day(500) }],
    ] as const) {
      const want = await run('sql', symbols ? [...symbols] : undefined, range);
      const got = await run('scan', symbols ? [...symbols] : undefined, range);
      expect(got.said.filter((m) => m.includes('window functions'))).toEqual([]);
      expect(got.features.length).toBeGreaterThan(0);
      expect(got.features).toEqual(want.features);
      expect(got.breadth).toEqual(want.breadth);
    }
  });
});
