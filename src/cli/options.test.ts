import { describe, expect, it } from 'vitest';
import { UsageError } from '../util/errors.ts';
import { parseEngine } from './options.ts';

describe('--engine', () => {
  it('takes duckdb, spark, and embedded for duckdb (what the README and --help call it)', () => {
    expect(parseEngine('duckdb')).toBe('duckdb');
    expect(parseEngine('embedded')).toBe('duckdb');
    expect(parseEngine('spark')).toBe('spark');
  });

  it('refuses anything else with exit 2, listing every accepted name', () => {
    const err = (() => {
      try {
        parseEngine('flink');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as UsageError).message).toBe(
      '--engine must be one of duckdb, spark (embedded = duckdb), got "flink"',
    );
  });
});
