import type { BreadthDay } from '../domain/breadth.ts';

/**
 * What the CLI needs from an engine that turns the lake's prices into daily breadth. Implemented by the embedded
 * DuckDB engine and by the Spark engine; both run the same `sql/features.sql` and `sql/breadth.sql`.
 */
export interface BreadthEngine {
  /** Short engine name for logs and reports: `duckdb`, `spark`. */
  readonly name: string;
  /**
   * Daily breadth over `symbols` (all symbols in the lake when omitted), ordered by date. Also stores the
   * `features` and `breadth` tables. Throws BfError when the lake has no prices or some symbols are absent.
   */
  computeBreadth(symbols?: readonly string[]): Promise<BreadthDay[]>;
  close(): Promise<void>;
}
