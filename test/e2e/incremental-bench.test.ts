import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runIncrementalBench } from '../../bench/incremental.ts';

// The incremental benchmark's own code path at a small size: the same market generator, the same bf commands as
// child processes, the same byte-for-byte check of the incremental outputs against the full recompute.
describe('bench/incremental.ts at small size', () => {
  it('times a new day incrementally next to a full recompute, with identical outputs', async () => {
    const report = await runIncrementalBench({
      symbols: 40,
      years: 2,
      rounds: 1,
      marketRoot: mkdtempSync(join(tmpdir(), 'bf-incremental-bench-')),
    });
    expect(report).toMatch(/incremental run said: incremental: 1 new day, \d+ symbols recomputed/);
    expect(report).toContain('byte-identical');
    expect(report).toMatch(/\| bf signals generate --out \(incremental\) \| \d+\.\d+ \|/);
  }, 300_000);
});
