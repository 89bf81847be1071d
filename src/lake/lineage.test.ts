import { describe, expect, it } from 'vitest';
import { type FetchLineage, nextLineage, scopeLineage } from './lineage.ts';

const fetch = (over: Partial<FetchLineage>): FetchLineage => ({
  source: 'sample',
  synthetic: true,
  range: { start: '2020-01-01', end: '2024-12-31' },
  fetchedAt: '2026-12-01T10:00:00.000Z',
  symbols: ['AAA', 'BBB'],
  keptOlder: new Set(),
  ...over,
});

describe('per-symbol lineage', () => {
  it('a CSV fetch of other symbols leaves the sample symbols sample and labels its own csv', () => {
    let l = nextLineage(undefined, [], null, fetch({}));
    l = nextLineage(l, ['AAA', 'BBB'], null, fetch({ source: 'csv:/d', synthetic: false, symbols: ['CCC'] }));
    const range = { start: '2021-01-01', end: '2021-12-31' };
    expect(scopeLineage(l, ['CCC'], range, { source: 'x', synthetic: true })).toEqual({
      source: 'csv:/d',
      synthetic: false,
    });
    expect(scopeLineage(l, ['AAA', 'BBB'], range, { source: 'x', synthetic: false })).toEqual({
      source: 'sample',
      synthetic: true,
    });
  });

  it('a later fetch of the same symbol owns its range; the older source stays only outside it', () => {
    let l = nextLineage(undefined, [], null, fetch({ symbols: ['AAA'] }));
    l = nextLineage(
      l,
      ['AAA'],
      null,
      fetch({
        source: 'csv:/d',
        synthetic: false,
        range: { start: '2023-01-01', end: '2024-12-31' },
        symbols: ['AAA'],
      }),
    );
    expect(l.AAA?.map((s) => [s.source, s.start, s.end])).toEqual([
      ['sample', '2020-01-01', '2022-12-31'],
      ['csv:/d', '2023-01-01', '2024-12-31'],
    ]);
    const only = (start: string, end: string) =>
      scopeLineage(l, ['AAA'], { start, end }, { source: 'x', synthetic: false });
    expect(only('2023-06-01', '2024-06-01')).toEqual({ source: 'csv:/d', synthetic: false });
    expect(only('2022-06-01', '2024-06-01')).toEqual({ source: 'csv:/d+sample', synthetic: true });
  });

  it('bars kept although the source no longer has them keep their older source in the label', () => {
    let l = nextLineage(undefined, [], null, fetch({ symbols: ['AAA'] }));
    l = nextLineage(
      l,
      ['AAA'],
      null,
      fetch({
        source: 'csv:/d',
        synthetic: false,
        symbols: ['AAA'],
        keptOlder: new Set(['AAA']),
      }),
    );
    expect(
      scopeLineage(l, ['AAA'], { start: '2021-01-01', end: '2021-02-01' }, { source: 'x', synthetic: false }),
    ).toEqual({ source: 'csv:/d+sample', synthetic: true });
  });

  it('a lake written before lineage existed counts its symbols with the lake-wide source', () => {
    const l = nextLineage(
      undefined,
      ['OLD'],
      { source: 'yahoo', synthetic: false },
      fetch({ symbols: ['AAA'] }),
    );
    expect(l.OLD?.[0]).toMatchObject({ source: 'yahoo', synthetic: false });
    expect(
      scopeLineage(
        undefined,
        ['Z'],
        { start: '2021-01-01', end: '2021-02-01' },
        { source: 'yahoo', synthetic: false },
      ),
    ).toEqual({ source: 'yahoo', synthetic: false });
  });
});
