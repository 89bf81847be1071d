import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent, SignalName } from '../domain/signal.ts';
import type { ColumnSpec, Row } from '../engines/duckdb/index.ts';

/**
 * Lake schemas of the tables the TypeScript stages write, and the mapping between lake rows (snake_case, as the
 * SQL and Spark see them) and the domain objects (camelCase). One place, so the engines and the publishers agree.
 */
const snakeNames = new Map<string, string>();
// Memoised: called for every field of every row (5,000 breadth days × 20 fields a run).
const snake = (name: string) => {
  let s = snakeNames.get(name);
  if (s === undefined) {
    s = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeNames.set(name, s);
  }
  return s;
};
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function toLakeRow(obj: object): Row {
  const out: Row = {};
  // for…in, not Object.entries: no array per field (5,000 breadth days a run); the objects are plain data.
  for (const k in obj) out[snake(k)] = (obj as Record<string, Row[string]>)[k]!;
  return out;
}

export function fromLakeRow<T>(row: Row): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[camel(k)] = v;
  return out as T;
}

const counts = (...names: string[]): ColumnSpec[] => names.map((name) => ({ name, type: 'BIGINT' }));
const doubles = (...names: string[]): ColumnSpec[] => names.map((name) => ({ name, type: 'DOUBLE' }));

export const BREADTH_SERIES_SCHEMA: readonly ColumnSpec[] = [
  { name: 'date', type: 'DATE' },
  ...counts(
    'advancers',
    'decliners',
    'unchanged',
    'issues',
    'above_sma50',
    'with_sma50',
    'above_sma200',
    'with_sma200',
    'new_highs',
    'new_lows',
  ),
  ...doubles(
    'ew_return',
    'ad_ratio',
    'zweig_ema',
    'ad_line',
    'mcclellan',
    'frac_above_sma50',
    'frac_above_sma200',
  ),
];

export const SIGNALS_SCHEMA: readonly ColumnSpec[] = [
  { name: 'date', type: 'DATE' },
  { name: 'signal', type: 'VARCHAR' },
  { name: 'value', type: 'DOUBLE' },
];

export function signalFromLake(row: Row): SignalEvent {
  return { date: String(row.date), signal: String(row.signal) as SignalName, value: Number(row.value) };
}

export function breadthSeriesToLake(rows: readonly BreadthSeriesRow[]): Row[] {
  return rows.map(toLakeRow);
}
