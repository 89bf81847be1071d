import type { DateRange } from '../domain/bar.ts';
import { SIGNAL_NAMES, type SignalName } from '../domain/signal.ts';
import type { ColumnSpec, Row } from '../engines/engine.ts';
import type { SymbolList } from '../sources/symbols.ts';
import { BfError } from '../util/errors.ts';

/**
 * What a run is about: one symbol list and one date range. Every stage works on exactly this, whatever else the
 * lake holds, and every output names it.
 */
export interface RunScope {
  symbolList: SymbolList;
  range: DateRange;
}

/** The scope the lake's `signals` / `breadth_series` tables were generated for (the `signals_scope` table). */
export interface StoredScope {
  symbolList: string;
  symbols: string[];
  range: DateRange;
  signals: SignalName[];
  source: string;
  synthetic: boolean;
}

export const SIGNALS_SCOPE_SCHEMA: readonly ColumnSpec[] = [
  { name: 'symbol_list', type: 'VARCHAR' },
  { name: 'symbols', type: 'VARCHAR' },
  { name: 'start', type: 'DATE' },
  { name: 'end', type: 'DATE' },
  { name: 'signals', type: 'VARCHAR' },
  { name: 'source', type: 'VARCHAR' },
  { name: 'synthetic', type: 'BOOLEAN' },
];

export function scopeToRow(s: StoredScope): Row {
  return {
    symbol_list: s.symbolList,
    symbols: [...s.symbols].sort().join(','),
    start: s.range.start,
    end: s.range.end,
    signals: s.signals.join(','),
    source: s.source,
    synthetic: s.synthetic,
  };
}

export function scopeFromRow(r: Row): StoredScope {
  const list = (v: unknown) =>
    String(v ?? '')
      .split(',')
      .filter(Boolean);
  return {
    symbolList: String(r.symbol_list),
    symbols: list(r.symbols),
    range: { start: String(r.start), end: String(r.end) },
    signals: list(r.signals) as SignalName[],
    source: String(r.source),
    synthetic: r.synthetic === true,
  };
}

/** `demo_small, 2024-01-01 → 2024-12-31`: how every output names a scope. */
export function describeScope(list: string, range: DateRange): string {
  return `${list}, ${range.start} → ${range.end}`;
}

/** The command that generates signals for a list and range, for hints. */
export function generateCommand(
  list: string,
  range: Partial<DateRange>,
  signals?: readonly SignalName[],
): string {
  const parts = ['bf signals generate', `--symbol-list ${list}`];
  if (range.start) parts.push(`--start ${range.start}`);
  if (range.end) parts.push(`--end ${range.end}`);
  if (signals && signals.length < SIGNAL_NAMES.length) parts.push(`--signal ${signals.join(',')}`);
  return parts.join(' ');
}

const sameSymbols = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((s, i) => s === [...b].sort()[i]);

/**
 * Checks that the stored signals were generated for the wanted list, range (each bound when given) and signals;
 * returns the stored scope, or throws a BfError naming the command that generates what is missing.
 */
export function checkStoredScope(
  stored: StoredScope | null,
  want: { symbolList: SymbolList; start?: string; end?: string; signals?: readonly SignalName[] },
  location: string,
): StoredScope {
  const hint = (signals?: readonly SignalName[], range: Partial<DateRange> = want) =>
    `run \`${generateCommand(want.symbolList.name, range, signals)}\` first (or \`bf pipeline run\`)`;
  const asked = `${want.symbolList.name}${want.start || want.end ? `, ${want.start ?? '…'} → ${want.end ?? '…'}` : ''}`;
  if (!stored) {
    throw new BfError(`no signals in the lake at ${location}`, { hint: hint(want.signals) });
  }
  const matches =
    sameSymbols(stored.symbols, want.symbolList.symbols) &&
    (!want.start || want.start === stored.range.start) &&
    (!want.end || want.end === stored.range.end);
  if (!matches) {
    throw new BfError(
      `the lake at ${location} holds no signals for ${asked}: they were generated for ${describeScope(stored.symbolList, stored.range)}`,
      { hint: hint(want.signals) },
    );
  }
  const missing = (want.signals ?? []).filter((s) => !stored.signals.includes(s));
  if (missing.length > 0) {
    throw new BfError(
      `${missing.join(', ')} ${missing.length === 1 ? 'was' : 'were'} not generated for ${describeScope(stored.symbolList, stored.range)} (the lake holds ${stored.signals.join(', ')})`,
      // Regenerating for the stored range, keeping the signals already there.
      { hint: hint([...new Set([...stored.signals, ...missing])], stored.range) },
    );
  }
  return stored;
}
