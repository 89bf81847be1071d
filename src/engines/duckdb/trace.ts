import type { DuckDBConnection } from '@duckdb/node-api';
import { TRACE_SQL_ENV } from '../../config/engine.ts';

/**
 * With `BF_TRACE_SQL=1`, every statement the embedded engine runs is logged on stderr with its wall and CPU time
 * (the whole process's, DuckDB's threads included) and its start, for finding where a run's time goes.
 */

const TRACED = new Set(['run', 'runAndReadAll']);

/** The connection itself, or one that times the statements it runs when BF_TRACE_SQL is set. */
export function traced(
  conn: DuckDBConnection,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  env: NodeJS.ProcessEnv = process.env,
): DuckDBConnection {
  if (!env[TRACE_SQL_ENV]) return conn;
  return new Proxy(conn, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !TRACED.has(prop) || typeof value !== 'function') return value;
      return async (sql: string, ...rest: unknown[]) => {
        const wall = performance.now();
        const cpu = process.cpuUsage();
        try {
          return await value.call(target, sql, ...rest);
        } finally {
          const used = process.cpuUsage(cpu);
          const first = sql.replace(/\s+/g, ' ').trim().slice(0, 120);
          write(
            `sql ${(performance.now() - wall).toFixed(0).padStart(6)} ms wall ${((used.user + used.system) / 1000).toFixed(0).padStart(6)} ms cpu  ${first}`,
          );
        }
      };
    },
  });
}
