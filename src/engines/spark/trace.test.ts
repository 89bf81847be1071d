import { describe, expect, it } from 'vitest';
import { TRACE_SQL_ENV } from '../../config/engine.ts';
import type { Hs2Session } from './hs2.ts';
import { tracedSession } from './trace.ts';

/** A session answering from a table of canned results: the wrapper's timing and lines are what is tested. */
function session(answers: Record<string, Record<string, unknown>[] | Error>): Hs2Session {
  return {
    alive: true,
    close: async () => undefined,
    query: async (sql) => {
      const a = answers[sql];
      if (a instanceof Error) throw a;
      return a ?? [];
    },
  };
}

describe('BF_TRACE_SQL on the Spark session', () => {
  it('logs each statement with its wall time, row count and start, and passes results and errors through', async () => {
    const lines: string[] = [];
    const boom = new Error('boom');
    const db = tracedSession(
      session({ 'SELECT 1 AS x': [{ x: 1 }], 'SELECT\n  broken': boom }),
      (l) => lines.push(l),
      { [TRACE_SQL_ENV]: '1' },
    );
    expect(await db.query('SELECT 1 AS x')).toEqual([{ x: 1 }]);
    await expect(db.query('SELECT\n  broken')).rejects.toBe(boom);
    expect(lines[0]).toMatch(/^sql +\d+ ms wall +1 rows {2}SELECT 1 AS x$/);
    expect(lines[1]).toMatch(/^sql +\d+ ms wall +failed {2}SELECT broken$/);
  });

  it('is the session itself when the variable is not set', () => {
    const s = session({});
    expect(tracedSession(s, () => {}, {})).toBe(s);
  });
});
