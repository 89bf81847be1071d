import { UsageError } from '../util/errors.ts';

/**
 * Facts about the embedded (DuckDB) engine, in one place. DuckDB holds at most `memory_limit` in memory and
 * spills the rest to `<workdir>/tmp/duckdb`; `BF_DUCKDB_MEMORY_LIMIT` changes the limit (e.g. `512MB`, `4GB`).
 */
export const DUCKDB_MEMORY_LIMIT_ENV = 'BF_DUCKDB_MEMORY_LIMIT';
export const DUCKDB_MEMORY_LIMIT_DEFAULT = '1GB';

/**
 * `BF_TRACE_SQL=1`: both engines log every statement they run on stderr with its time, for finding where a run's
 * time goes. Off by default; the figures in the README's "Incremental runs" come from it.
 */
export const TRACE_SQL_ENV = 'BF_TRACE_SQL';

const SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/** The memory limit from the environment, checked so a typo is named rather than failing deep in DuckDB. */
export function duckdbMemoryLimit(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env[DUCKDB_MEMORY_LIMIT_ENV]?.trim();
  if (!raw) return DUCKDB_MEMORY_LIMIT_DEFAULT;
  if (!SIZE.test(raw)) {
    throw new UsageError(
      `${DUCKDB_MEMORY_LIMIT_ENV} must be a size such as 512MB or 4GB, got ${JSON.stringify(raw)}`,
      `unset it to use the default ${DUCKDB_MEMORY_LIMIT_DEFAULT}`,
    );
  }
  return raw;
}

/**
 * How long a Spark command waits, before its first job, for an S3 store that is running but does not serve objects
 * yet: SeaweedFS answers its bucket 15–40 s before it can read a stored file after a restart (measured here), so a
 * job sent then fails reading the lake. Past this the command fails naming the store.
 */
export const STORE_SERVE_WAIT_MS = 90_000;
/** Between two serve probes while waiting. */
export const STORE_SERVE_POLL_MS = 1_000;
