/**
 * DuckDB's Node API for a caller that loads it lazily (import() of this module). Not import() of the package
 * itself: the CLI's bundle (dist/cli/) has the package's CommonJS in it, and a bundled import() of CommonJS gives
 * only its default export (scripts/build-dist.mjs refuses one).
 */
export { DuckDBInstance } from '@duckdb/node-api';
