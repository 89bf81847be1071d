/**
 * The JavaScript CSV reader (the path of engines that do not read CSVs themselves, Spark) takes from each
 * real-world edge-case file (test/support/edge-market.ts) exactly the bars the reference is computed from; the
 * embedded engine's reader is judged on the same files by test/e2e/csv-edge-breadth.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_DATES } from '../../src/domain/bar.ts';
import { createCsvSource } from '../../src/sources/csv.ts';
import { silentLogger } from '../../src/util/log.ts';
import { edgeCases, writeEdgeCase } from '../support/edge-market.ts';

describe('csv:DIR read in JavaScript, on real-world edge cases', () => {
  for (const c of edgeCases()) {
    it(`${c.name}: ${c.expect === 'fail' ? 'refused by name' : 'the bars the reference reads'}`, async () => {
      const { csv } = writeEdgeCase(mkdtempSync(join(tmpdir(), 'bf-edge-js-')), c);
      const symbols = c.list.map((s) => s.toUpperCase());
      const source = createCsvSource(csv, { onBadRow: c.flags?.includes('fail') ? 'fail' : 'skip' });
      if (c.expect === 'fail') {
        await expect(source.fetch(symbols, ALL_DATES, silentLogger)).rejects.toThrow(c.names!);
        return;
      }
      const result = await source.fetch(symbols, ALL_DATES, silentLogger);
      for (const s of symbols) {
        const got = result.bars
          .filter((b) => b.symbol === s)
          .map((b) => ({ date: b.date, adjClose: b.adjClose }));
        expect(got, s).toEqual(c.truth.get(s) ?? []);
      }
      const failed = result.failures.map((f) => f.symbol);
      expect(failed).toEqual(c.expect === 'skip' ? [c.list.at(-1)!.toUpperCase()] : []);
      for (const f of result.failures) expect(f.reason).toMatch(c.names!);
    });
  }
});
