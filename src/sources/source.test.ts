import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BfError, UsageError } from '../util/errors.ts';
import { type Logger, silentLogger } from '../util/log.ts';
import { checkFetchResult, createSource, defaultRange } from './source.ts';

describe('createSource', () => {
  it('builds each valid form', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bf-csv-'));
    expect(createSource('yahoo')).toMatchObject({ name: 'yahoo', synthetic: false });
    expect(createSource('sample')).toMatchObject({ name: 'sample', synthetic: true });
    expect(createSource(`csv:${dir}`)).toMatchObject({ name: `csv:${dir}`, synthetic: false });
  });

  it('lists the valid forms for an unknown source', () => {
    expect(() => createSource('google')).toThrow(UsageError);
    try {
      createSource('google');
    } catch (err) {
      expect((err as UsageError).hint).toBe('use one of: yahoo, sample, csv:DIR');
    }
  });

  it('rejects csv: with no directory or a missing one', () => {
    expect(() => createSource('csv:')).toThrow(/names no directory/);
    expect(() => createSource('csv:/no/such/dir')).toThrow(/csv source directory not found: \/no\/such\/dir/);
  });
});

describe('defaultRange', () => {
  it('spans the five years up to today', () => {
    expect(defaultRange(new Date('2025-11-26T22:00:00Z'))).toEqual({
      start: '2020-11-26',
      end: '2025-11-26',
    });
  });
});

describe('checkFetchResult', () => {
  const bar = { symbol: 'A', date: '2024-01-02', open: 1, high: 1, low: 1, close: 1, adjClose: 1, volume: 1 };

  it('throws exit 1 naming every symbol when all failed', () => {
    const result = {
      bars: [],
      failures: [
        { symbol: 'A', reason: 'x' },
        { symbol: 'B', reason: 'y' },
      ],
      skippedRows: 0,
    };
    expect(() => checkFetchResult(result, ['A', 'B'], 'yahoo', silentLogger)).toThrow(
      'every symbol failed to fetch from yahoo: A (x); B (y)',
    );
    try {
      checkFetchResult(result, ['A', 'B'], 'yahoo', silentLogger);
    } catch (err) {
      expect(err).toBeInstanceOf(BfError);
      expect((err as BfError).exitCode).toBe(1);
    }
  });

  it('warns once per failed symbol and for skipped rows otherwise', () => {
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (m) => warnings.push(m) };
    const result = { bars: [bar], failures: [{ symbol: 'B', reason: 'file not found' }], skippedRows: 2 };
    expect(checkFetchResult(result, ['A', 'B'], 'csv:d', log)).toBe(result);
    expect(warnings).toEqual([
      'csv:d: B failed: file not found',
      'csv:d: 2 row(s) with null close / adj close skipped',
    ]);
  });
});
