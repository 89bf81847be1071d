import { describe, expect, it } from 'vitest';
import type { DailyBar } from '../../domain/bar.ts';
import { BfError } from '../../util/errors.ts';
import { epochDays } from '../duckdb/sql-util.ts';
import { checkColumns } from '../engine.ts';
import { BEGINNING } from '../incremental-plan.ts';
import {
  barsToNdjson,
  dedupeBars,
  newRunId,
  orphanedStaging,
  rowsToNdjson,
  runIdTime,
  STAGING_ORPHAN_MS,
} from './staging.ts';

const bar = (symbol: string, date: string, adjClose: number): DailyBar => ({
  symbol,
  date,
  open: null,
  high: 2.5,
  low: null,
  close: adjClose,
  adjClose,
  volume: 100,
});

describe('dedupeBars', () => {
  it('keeps the last bar given for a (symbol, date) key', () => {
    const out = dedupeBars([bar('A', '2024-01-02', 1), bar('B', '2024-01-02', 5), bar('A', '2024-01-02', 2)]);
    expect(out).toHaveLength(2);
    expect(out.find((b) => b.symbol === 'A')?.adjClose).toBe(2);
  });
  it.each([
    ['bad date', bar('A', '2024-02-30', 1)],
    ['empty symbol', bar('', '2024-01-02', 1)],
    ['non-positive price', bar('A', '2024-01-02', 0)],
    ['NaN price', bar('A', '2024-01-02', Number.NaN)],
  ])('rejects a bar with %s', (_, b) => {
    expect(() => dedupeBars([b])).toThrow(BfError);
  });
});

describe('barsToNdjson', () => {
  it('writes the prices schema with exact doubles and nulls, in the given order', () => {
    const bars = [
      bar('A', '2024-01-02', 0.1 + 0.2),
      { ...bar('B', '2024-01-03', 123.456789), volume: Number.NaN },
    ];
    const lines = barsToNdjson(bars).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(Object.keys(first)).toEqual([
      'symbol',
      'date',
      'open',
      'high',
      'low',
      'close',
      'adj_close',
      'volume',
    ]);
    expect(first).toMatchObject({
      symbol: 'A',
      date: '2024-01-02',
      open: null,
      high: 2.5,
      adj_close: 0.1 + 0.2,
    });
    // The text parses back to the identical double (shortest round-trip representation).
    expect(first.adj_close).toBe(0.30000000000000004);
    expect(JSON.parse(lines[1]!)).toMatchObject({ symbol: 'B', adj_close: 123.456789, volume: null });
  });
});

describe('rowsToNdjson', () => {
  const columns = [
    { name: 'date', type: 'DATE' },
    { name: 'signal', type: 'VARCHAR' },
    { name: 'value', type: 'DOUBLE' },
    { name: 'n', type: 'BIGINT' },
    { name: 'ok', type: 'BOOLEAN' },
  ] as const;
  it('writes one object per row in column order, missing values as null', () => {
    const text = rowsToNdjson(
      'signals',
      [{ date: '2024-01-02', signal: 'zweig "x"', value: 0.1, n: 3, ok: true }, {}],
      columns,
    );
    expect(text).toBe(
      '{"date":"2024-01-02","signal":"zweig \\"x\\"","value":0.1,"n":3,"ok":true}\n' +
        '{"date":null,"signal":null,"value":null,"n":null,"ok":null}\n',
    );
  });
  it('writes non-finite doubles as the tokens Spark reads', () => {
    const text = rowsToNdjson(
      't',
      [{ v: Number.NaN }, { v: Number.POSITIVE_INFINITY }, { v: -Infinity }],
      [{ name: 'v', type: 'DOUBLE' }],
    );
    expect(text).toBe('{"v":NaN}\n{"v":Infinity}\n{"v":-Infinity}\n');
  });
  it('a DATE holds year 1 (BEGINNING: the keep_from of a symbol new to an incremental run) and refuses no real date', () => {
    const columns = [{ name: 'keep_from', type: 'DATE' }] as const;
    expect(rowsToNdjson('features', [{ keep_from: BEGINNING }, { keep_from: '0099-12-31' }], columns)).toBe(
      '{"keep_from":"0001-01-01"}\n{"keep_from":"0099-12-31"}\n',
    );
    expect(() => rowsToNdjson('features', [{ keep_from: '0099-02-29' }], columns)).toThrow(/cannot hold/);
    // 719,162 days from 0001-01-01 to 1970-01-01 (proleptic Gregorian, as DATE columns count).
    expect(epochDays(BEGINNING)).toBe(-719_162);
  });

  it('is empty for no rows', () => {
    expect(rowsToNdjson('t', [], columns)).toBe('');
  });
  it.each([
    [{ name: 'n', type: 'BIGINT' }, 1.5],
    [{ name: 'd', type: 'DATE' }, '2024-13-01'],
    [{ name: 'b', type: 'BOOLEAN' }, 'yes'],
    [{ name: 'x', type: 'DOUBLE' }, '1'],
  ] as const)('rejects a value its column cannot hold (%o, %o)', (col, v) => {
    expect(() => rowsToNdjson('t', [{ [col.name]: v }], [col])).toThrow(/cannot hold/);
  });
  it('checkColumns rejects bad names and empty schemas', () => {
    expect(() => checkColumns('t', [])).toThrow(/no columns/);
    expect(() => checkColumns('t', [{ name: 'Bad Name', type: 'DOUBLE' }])).toThrow(/bad column name/);
  });
});

describe('staged inputs left by failed jobs', () => {
  const now = Date.parse('2026-12-02T04:00:00Z');
  it('a run id carries the second it was made', () => {
    const id = newRunId(new Date('2026-12-02T03:35:21.288Z'));
    expect(id).toMatch(/^20261202T033521-[0-9a-f]{8}$/);
    expect(runIdTime(id)).toBe(Date.parse('2026-12-02T03:35:21Z'));
    expect(runIdTime('20261302T033521-deadbeef')).toBeNull();
    expect(runIdTime('not-a-run')).toBeNull();
  });
  it('picks only objects of runs older than the limit, in the staging layout', () => {
    const old = `staging/${newRunId(new Date(now - STAGING_ORPHAN_MS - 1000))}`;
    const fresh = `staging/${newRunId(new Date(now - 60_000))}`;
    const keys = [
      `${old}/bars.ndjson`,
      `${old}/signals.ndjson`,
      `${fresh}/bars.ndjson`,
      'staging/someone-elses/file',
      'staging/20200101T000000-deadbeef',
      'lake/prices/20200101T000000-deadbeef/x',
    ];
    expect(orphanedStaging(keys, now)).toEqual([`${old}/bars.ndjson`, `${old}/signals.ndjson`]);
  });
});
