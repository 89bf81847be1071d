import { randomBytes } from 'node:crypto';
import type { DailyBar } from '../../domain/bar.ts';
import { BfError } from '../../util/errors.ts';
import { epochDays } from '../duckdb/sql-util.ts';
import { type ColumnSpec, PRICE_COLUMNS, type Row, type RowValue } from '../engine.ts';

/**
 * Files the TypeScript side stages in S3 for a Spark job: new bars and small tables as NDJSON, read by the job with
 * an explicit schema (exact doubles, typed dates).
 */

/** Staged inputs of one job live under `staging/<run id>/` and are deleted after the job. */
export const STAGING_PREFIX = 'staging';

/**
 * A staged input older than this belongs to no running job: its job failed while the store could not delete it
 * (e.g. the store stopped mid-job). An input is read only by its own job, which takes minutes at most here; the
 * margin keeps a slow job of another bf process on the same lake safe from the sweep.
 */
export const STAGING_ORPHAN_MS = 30 * 60_000;

/** A run id: the UTC time it was made (to the second, `YYYYMMDDTHHMMSS`) and 8 random hex digits. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(4).toString('hex')}`;
}

/** When a run id was made (ms since the epoch), or null when `id` is not one. */
export function runIdTime(id: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})-[0-9a-f]{8}$/.exec(id);
  if (!m) return null;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(t) ? null : t;
}

/**
 * The staged objects (keys under `staging/`) whose run is older than `maxAgeMs` at `now`: what failed jobs left.
 * Keys that are not `staging/<run id>/…` are never picked (bf did not write them in this layout).
 */
export function orphanedStaging(
  keys: readonly string[],
  now: number,
  maxAgeMs = STAGING_ORPHAN_MS,
): string[] {
  return keys.filter((key) => {
    const [prefix, run, ...rest] = key.split('/');
    if (prefix !== STAGING_PREFIX || run === undefined || rest.length === 0) return false;
    const made = runIdTime(run);
    return made !== null && now - made > maxAgeMs;
  });
}

/** Rejects bars the lake must never hold (same rules as the embedded engine); the last bar given for a key wins. */
export function dedupeBars(bars: readonly DailyBar[]): DailyBar[] {
  const byKey = new Map<string, DailyBar>();
  bars.forEach((bar, seq) => {
    if (typeof bar.symbol !== 'string' || bar.symbol.length === 0 || epochDays(bar.date) === null) {
      throw new BfError(
        `bad bar #${seq}: symbol ${JSON.stringify(bar.symbol)}, date ${JSON.stringify(bar.date)}`,
        { hint: 'bars need a symbol and an ISO YYYY-MM-DD date' },
      );
    }
    if (!Number.isFinite(bar.adjClose) || bar.adjClose <= 0) {
      throw new BfError(
        `bad bar ${bar.symbol} ${bar.date}: adjusted close ${bar.adjClose} is not a positive number`,
        { hint: 'drop or repair the bar at the source before writing it' },
      );
    }
    byKey.set(`${bar.symbol}\u0000${bar.date}`, bar);
  });
  return [...byKey.values()];
}

const finiteOrNull = (v: number | null) => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/** Bars as NDJSON rows of the `prices` schema (non-finite optional fields become null, as in the lake). */
export function barsToNdjson(bars: readonly DailyBar[]): string {
  return rowsToNdjson(
    'prices',
    bars.map((b) => ({
      symbol: b.symbol,
      date: b.date,
      open: finiteOrNull(b.open),
      high: finiteOrNull(b.high),
      low: finiteOrNull(b.low),
      close: finiteOrNull(b.close),
      adj_close: b.adjClose,
      volume: finiteOrNull(b.volume),
    })),
    PRICE_COLUMNS,
  );
}

/**
 * Rows as NDJSON for Spark's JSON reader with an explicit schema. Values are checked against the column types (as
 * the embedded engine's appender does); non-finite doubles are written as the NaN / Infinity tokens Spark accepts.
 */
export function rowsToNdjson(table: string, rows: readonly Row[], columns: readonly ColumnSpec[]): string {
  const lines: string[] = [];
  for (const row of rows) {
    const fields = columns.map(
      (c) => `${JSON.stringify(c.name)}:${jsonValue(table, c, row[c.name] ?? null)}`,
    );
    lines.push(`{${fields.join(',')}}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function jsonValue(table: string, col: ColumnSpec, v: RowValue): string {
  if (v === null) return 'null';
  const bad = () =>
    new BfError(`writeRows(${table}): column ${col.name} (${col.type}) cannot hold ${JSON.stringify(v)}`);
  switch (col.type) {
    case 'VARCHAR':
      return JSON.stringify(String(v));
    case 'DOUBLE':
      if (typeof v !== 'number') throw bad();
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
      return JSON.stringify(v);
    case 'BIGINT':
    case 'INTEGER':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad();
      return String(v);
    case 'BOOLEAN':
      if (typeof v !== 'boolean') throw bad();
      return String(v);
    case 'DATE':
      if (typeof v !== 'string' || epochDays(v) === null) throw bad();
      return JSON.stringify(v);
  }
}
