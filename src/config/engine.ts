import { UsageError } from '../util/errors.ts';

/**
 * Facts about the embedded (DuckDB) engine, in one place. DuckDB holds at most `memory_limit` in memory and
 * spills the rest to `<workdir>/tmp/duckdb`; `BF_DUCKDB_MEMORY_LIMIT` changes the limit (e.g. `512MB`, `4GB`).
 */
export const DUCKDB_MEMORY_LIMIT_ENV = 'BF_DUCKDB_MEMORY_LIMIT';
export const DUCKDB_MEMORY_LIMIT_DEFAULT = '1GB';

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
