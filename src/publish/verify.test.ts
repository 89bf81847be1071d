import { describe, expect, it } from 'vitest';
import { diffKeys, formatDiff } from './verify.ts';

describe('diffKeys / formatDiff', () => {
  it('names missing and extra keys', () => {
    const d = diffKeys(
      ['l:z:2020-01-02', 'l:z:2020-01-03', 'l:w:2020-01-03'],
      ['l:z:2020-01-03', 'l:d:2021-05-05'],
    );
    expect(d).toEqual({ missing: ['l:w:2020-01-03', 'l:z:2020-01-02'], extra: ['l:d:2021-05-05'] });
    expect(formatDiff(d)).toBe('missing 2: l:w:2020-01-03, l:z:2020-01-02; extra 1: l:d:2021-05-05');
  });
  it('is empty when equal and truncates long lists', () => {
    expect(diffKeys(['a', 'b'], ['b', 'a'])).toEqual({ missing: [], extra: [] });
    const many = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    expect(formatDiff(diffKeys(many, []))).toMatch(/^missing 25: k00, .*k19, … \(5 more\)$/);
  });
});
