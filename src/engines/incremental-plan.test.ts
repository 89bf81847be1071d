import { describe, expect, it } from 'vitest';
import {
  appendsTails,
  describeIncremental,
  FEATURES_LOOKBACK_BARS,
  type IncrementalState,
  nextStats,
  planRecompute,
  type RunKey,
  TAIL_FILES_MAX,
  TAIL_FILES_MAX_ENV,
} from './incremental-plan.ts';
import { loadSql } from './sql-files.ts';

const state = (over: Partial<IncrementalState> = {}): IncrementalState => ({
  format: 1,
  list: 'demo',
  start: null,
  end: null,
  sql: 'sql1',
  prices: 'v1',
  featureFiles: ['features.parquet'],
  symbols: ['A', 'B', 'C'],
  stats: {
    A: { bars: 1000, first: '2020-01-02', last: '2024-01-05', tailStart: '2023-01-06' },
    B: { bars: 100, first: '2023-08-01', last: '2024-01-05', tailStart: '2023-08-01' },
    C: { bars: 500, first: '2021-01-04', last: '2023-06-30', tailStart: '2022-07-01' },
  },
  ...over,
});
const run = (over: Partial<RunKey> = {}): RunKey => ({
  list: 'demo',
  start: null,
  end: null,
  sql: 'sql1',
  symbols: ['A', 'B', 'C'],
  ...over,
});
const plan = (
  changes: Record<string, string> | null,
  s: IncrementalState | null = state(),
  r: RunKey = run(),
  files: string[] = ['features.parquet'],
) =>
  planRecompute({
    state: s,
    run: r,
    changes: changes ? new Map(Object.entries(changes)) : null,
    featureFiles: files,
  });

describe('planRecompute: when a run must recompute in full', () => {
  it.each([
    ['no stored state', null, run(), /no stored state/],
    ['another list', state({ list: 'other' }), run(), /symbol list other/],
    ['other SQL', state({ sql: 'sql0' }), run(), /features\.sql or sql\/breadth\.sql changed/],
    ['another --start', state(), run({ start: '2021-01-01' }), /--start 2021-01-01 differs/],
  ])('%s', (_name, s, r, reason) => {
    const p = plan({}, s, r);
    expect(p.kind).toBe('full');
    expect(p.kind === 'full' && p.reason).toMatch(reason);
  });

  it('prices changes that are unknown (beyond the change log)', () => {
    expect(plan(null)).toEqual({
      kind: 'full',
      reason: 'the prices changed beyond what their change log keeps',
    });
  });

  it('a features table other than the one the state describes', () => {
    expect(plan({}, state(), run(), ['features-x.parquet'])).toMatchObject({ kind: 'full' });
  });

  it('--full', () => {
    expect(
      planRecompute({
        state: state(),
        run: run(),
        changes: new Map(),
        featureFiles: ['features.parquet'],
        full: true,
      }),
    ).toEqual({ kind: 'full', reason: '--full given' });
  });

  it('most symbols changed history', () => {
    expect(plan({ A: '2020-01-02', B: '2023-08-01' })).toMatchObject({
      kind: 'full',
      reason: /2 of 3 symbols/,
    });
  });
});

describe('planRecompute: what an incremental run recomputes', () => {
  it('new days: a tail of the last LOOKBACK bars, bar_index shifted by the bars before it', () => {
    expect(plan({ A: '2024-01-08', B: '2024-01-08' })).toEqual({
      kind: 'incremental',
      recompute: [
        {
          symbol: 'A',
          tailStart: '2023-01-06',
          offset: 1000 - FEATURES_LOOKBACK_BARS,
          keepFrom: '2024-01-08',
          append: true,
        },
        // Fewer bars than the look-back: the tail is the whole history, no shift.
        { symbol: 'B', tailStart: '2023-08-01', offset: 0, keepFrom: '2024-01-08', append: true },
      ],
      removed: [],
      breadthFrom: '2024-01-08',
    });
  });

  it('changed history (a dividend re-adjusts every close): the whole symbol, rows replaced from the change', () => {
    expect(plan({ A: '2020-01-02', B: '2024-01-08' })).toMatchObject({
      kind: 'incremental',
      recompute: [
        { symbol: 'A', tailStart: null, offset: 0, keepFrom: '2020-01-02', append: false },
        { symbol: 'B', append: true },
      ],
      breadthFrom: '2020-01-02',
    });
  });

  it('a symbol new to the run from its first bar; one that left it removed from its first bar', () => {
    const p = plan({}, state(), run({ symbols: ['A', 'B', 'D'] }));
    expect(p).toEqual({
      kind: 'incremental',
      recompute: [{ symbol: 'D', tailStart: null, offset: 0, keepFrom: '0001-01-01', append: false }],
      removed: ['C'],
      breadthFrom: '2021-01-04',
    });
  });

  it('nothing changed in the run: nothing to recompute', () => {
    expect(plan({ Z: '2024-01-08' })).toEqual({
      kind: 'incremental',
      recompute: [],
      removed: [],
      breadthFrom: null,
    });
  });

  it('changes outside the run range do not count; before its start they count from the start', () => {
    const s = state({ start: '2022-01-03', end: '2023-12-29' });
    const r = run({ start: '2022-01-03', end: '2023-12-29' });
    expect(plan({ A: '2024-01-08' }, s, r)).toMatchObject({ recompute: [] });
    expect(plan({ C: '2019-05-01' }, s, r)).toMatchObject({
      recompute: [{ symbol: 'C', keepFrom: '2022-01-03', append: false }],
      breadthFrom: '2022-01-03',
    });
  });

  it('a later --end is new days after the earlier one; an earlier --end drops bars', () => {
    const stats = { ...state().stats, B: { ...state().stats.B!, last: '2023-06-15' } };
    const later = plan({}, state({ end: '2023-06-30', stats }), run({ end: '2024-01-31' }));
    expect(later).toMatchObject({ kind: 'incremental', breadthFrom: '2023-07-01' });
    // A has stored bars after 2023-06-30 (its history changes); B and C end before (new days only).
    expect(later.kind === 'incremental' && later.recompute.map((x) => [x.symbol, x.append])).toEqual([
      ['A', false],
      ['B', true],
      ['C', true],
    ]);
    const open = plan({}, state({ end: '2024-01-31' }), run({ end: null }));
    expect(open).toMatchObject({ breadthFrom: '2024-02-01' });
  });
});

describe('the look-back the incremental rule relies on', () => {
  it('is the largest window of sql/features.sql', () => {
    const preceding = [...loadSql('features').matchAll(/(\d+) PRECEDING/g)].map((m) => Number(m[1]));
    expect(preceding.length).toBeGreaterThan(0);
    expect(Math.max(...preceding)).toBe(FEATURES_LOOKBACK_BARS);
  });
});

describe('describeIncremental', () => {
  it('names the new days, the symbols and where breadth was re-aggregated from', () => {
    expect(
      describeIncremental({
        newDays: 1,
        reaggregatedFrom: '2024-04-26',
        reaggregatedDays: 1,
        recompute: [{ symbol: 'A', tailStart: 'x', offset: 1, keepFrom: '2024-04-26', append: true }],
        removed: [],
      }),
    ).toBe('incremental: 1 new day, 1 symbol recomputed, breadth re-aggregated from 2024-04-26 (1 day)');
  });
});

describe('what both engines keep for the next run', () => {
  it('the tails go on as stored plus the new bars only for new days, and below TAIL_FILES_MAX pieces', () => {
    const only = { stored: 1, fast: 3, slow: 0, removed: 0 };
    expect(appendsTails(only)).toBe(true);
    expect(appendsTails({ ...only, stored: TAIL_FILES_MAX - 1 })).toBe(true);
    expect(appendsTails({ ...only, stored: TAIL_FILES_MAX })).toBe(false);
    expect(appendsTails({ ...only, slow: 1 })).toBe(false);
    expect(appendsTails({ ...only, removed: 1 })).toBe(false);
    expect(appendsTails({ ...only, fast: 0 })).toBe(false);
  });

  it('BF_TAIL_FILES_MAX (tests only) moves the rewrite; a value that is not a whole number >= 1 is ignored', () => {
    const only = { stored: 2, fast: 3, slow: 0, removed: 0 };
    expect(appendsTails({ ...only, stored: 1 }, { [TAIL_FILES_MAX_ENV]: '2' })).toBe(true);
    expect(appendsTails(only, { [TAIL_FILES_MAX_ENV]: '2' })).toBe(false);
    for (const ignored of ['0', '-1', '1.5', 'two', ''])
      expect(appendsTails(only, { [TAIL_FILES_MAX_ENV]: ignored }), ignored).toBe(true);
  });

  it('next states: untouched kept, removed gone, recomputed replaced, a tail run keeps its first date', () => {
    const s = state();
    const newA = { bars: 1001, first: '2023-01-09', last: '2024-01-08', tailStart: '2023-01-09' };
    const newD = { bars: 10, first: '2023-12-20', last: '2024-01-08', tailStart: '2023-12-20' };
    const recompute = [
      { symbol: 'A', tailStart: '2023-01-06', offset: 748, keepFrom: '2024-01-08', append: true },
      // New days in the change log, none in the run's range: nothing recomputed for it.
      { symbol: 'B', tailStart: '2023-08-01', offset: 0, keepFrom: '2024-01-08', append: true },
      { symbol: 'D', tailStart: null, offset: 0, keepFrom: '0001-01-01', append: false },
    ];
    const next = nextStats(s, recompute, ['C'], { A: newA, D: newD }, (x) => x.append);
    expect(next).toEqual({ A: { ...newA, first: '2020-01-02' }, B: s.stats.B, D: newD });
  });
});
