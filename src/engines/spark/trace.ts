import { TRACE_SQL_ENV } from '../../config/engine.ts';
import type { Hs2Session } from './hs2.ts';

/**
 * `BF_TRACE_SQL=1` on the Spark engine: every statement sent to the Spark Thrift Server is logged on stderr with
 * its wall time (submit to last row fetched, as this process sees it; the work is on the driver, so no CPU here)
 * and its start, as the embedded engine's trace does. The driver UI's /api/v1/…/sql adds Spark's own view.
 */
export function tracedSession(
  session: Hs2Session,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  env: NodeJS.ProcessEnv = process.env,
): Hs2Session {
  if (!env[TRACE_SQL_ENV]) return session;
  return {
    get alive() {
      return session.alive;
    },
    close: () => session.close(),
    async query(sql) {
      const t = performance.now();
      let rows = -1;
      try {
        const out = await session.query(sql);
        rows = out.length;
        return out;
      } finally {
        const first = sql.replace(/\s+/g, ' ').trim().slice(0, 120);
        const n = rows < 0 ? 'failed' : `${rows} rows`;
        write(`sql ${(performance.now() - t).toFixed(0).padStart(6)} ms wall ${n.padStart(12)}  ${first}`);
      }
    },
  };
}
