import { duckdbMemoryLimit } from '../config/engine.ts';
import { yahooEndpoint } from '../config/fetch.ts';
import { ALL_DATES, type DateRange, describeRange } from '../domain/bar.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent, SignalName } from '../domain/signal.ts';
import { SIGNAL_NAMES } from '../domain/signal.ts';
import {
  breadthDayFromRow,
  type LakeEngine,
  type PricesWritten,
  type TableWrite,
  type VanishedBars,
} from '../engines/engine.ts';
import { Lake, resolveWorkdir, TABLE } from '../lake/index.ts';
import { scopeLineage } from '../lake/lineage.ts';
import { deriveBreadthSeries } from '../signals/breadth-series.ts';
import { generateSignals } from '../signals/rules.ts';
import { isCsvSource } from '../sources/csv.ts';
import type { BadRowPolicy } from '../sources/csv-rows.ts';
import {
  checkFetchResult,
  createSource,
  defaultRange,
  describeSource,
  type PriceSource,
  type SymbolFailure,
} from '../sources/source.ts';
import { resolveSymbolList, type SymbolList } from '../sources/symbols.ts';
import { BfError, UsageError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';
import { fetchCsvIntoLake } from './csv-fetch.ts';
import {
  BREADTH_SERIES_SCHEMA,
  breadthSeriesToLake,
  SIGNALS_SCHEMA,
  signalFromLake,
  toLakeRow,
} from './lake-rows.ts';
import { DEFAULT_MIN_SYMBOLS, symbolsWithData } from './min-symbols.ts';
import {
  checkStoredScope,
  describeScope,
  SIGNALS_SCOPE_SCHEMA,
  type StoredScope,
  scopeFromRow,
  scopeToRow,
} from './scope.ts';
import type { EngineName, PipelineOptions } from './types.ts';

/** The lake and the engine over it (embedded or Spark), opened once per command and closed by the caller. */
export interface Workspace {
  /** Where the lake lives, for messages: a directory or an s3:// URL. */
  location: string;
  engine: LakeEngine;
  /**
   * Runs `fn` as one unit against other bf processes on the same lake, so the tables a stage reads and the ones
   * it writes come from one run. Embedded: `fn` holds the workdir's lake lock exclusively (src/lake/lock.ts).
   * Spark: `fn` just runs; each Delta commit has its own conflict check.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Like `exclusive` for reads that must see one consistent set of tables (the lock held shared). */
  shared<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openWorkspace(
  workdir: string | undefined,
  log: Logger,
  engineName: EngineName = 'duckdb',
  stack: PipelineOptions['stack'] = {},
): Promise<Workspace> {
  // Engines load on use: the native DuckDB binding is not needed (nor bundled) where the stack does the work,
  // and the Spark engine's S3/compose clients are not needed offline.
  if (engineName === 'spark') {
    const { SparkEngine } = await import('../engines/spark/index.ts');
    const engine = await SparkEngine.open({ stack, logger: log });
    return {
      location: engine.location,
      engine,
      exclusive: (fn) => fn(),
      shared: (fn) => fn(),
      close: () => engine.close(),
    };
  }
  const { DuckDbEngine } = await import('../engines/duckdb/index.ts');
  const memoryLimit = duckdbMemoryLimit();
  const lake = Lake.open(resolveWorkdir(workdir), { logger: log });
  const engine = await DuckDbEngine.open(lake, { memoryLimit });
  return {
    location: lake.root,
    engine,
    exclusive: (fn) => lake.withLock(fn),
    shared: (fn) => lake.withReadLock(fn),
    close: async () => {
      await engine.close();
      lake.close();
    },
  };
}

/**
 * The range a fetch uses: what the user gave; with neither bound, the source's own default (csv:DIR: everything in
 * the files; sample: its fixed range; yahoo: the five years up to today). With one bound, the other is open for a
 * source that holds its own history, else today / five years before the end.
 */
export function resolveRange(
  start: string | undefined,
  end: string | undefined,
  source?: { defaultRange?: PriceSource['defaultRange'] },
  today = new Date(),
): DateRange {
  const own = source?.defaultRange?.(today);
  if (own && start === undefined && end === undefined) return own;
  let range: DateRange;
  if (own === ALL_DATES) {
    range = { start: start ?? ALL_DATES.start, end: end ?? ALL_DATES.end };
  } else {
    const endDate = end ?? defaultRange(today).end;
    range = { start: start ?? defaultRange(new Date(`${endDate}T00:00:00Z`)).start, end: endDate };
  }
  if (range.start > range.end) throw new UsageError(`--start ${range.start} is after --end ${range.end}`);
  return range;
}

export interface FetchSummary {
  symbolList: SymbolList;
  source: string;
  synthetic: boolean;
  range: DateRange;
  bars: number;
  failures: SymbolFailure[];
  /** Rows with null values, skipped and counted. */
  skippedRows: number;
  /** Rows that broke the source's row rules, skipped (`--on-bad-row skip`). */
  badRows: number;
  /** First and last date of the bars loaded. */
  span: DateRange | null;
  /** Bars already in the lake whose values this fetch changed. */
  replaced: number;
  /** Bars of the fetched symbols within the range that the source no longer has, per symbol. */
  vanished: VanishedBars[];
  /** True when those were dropped (`--replace`), false when kept. */
  dropped: boolean;
}

/** `bf data fetch`: symbols → source → raw daily bars merged into the lake's `prices` table. */
export async function fetchStage(
  ws: Workspace,
  opts: {
    symbolList: string;
    source: string;
    start?: string;
    end?: string;
    /** Run-level deadline for the whole fetch (`--fetch-timeout`); none by default. */
    fetchTimeoutMs?: number;
    /** `--on-bad-row` for csv:DIR (default skip). */
    onBadRow?: BadRowPolicy;
    /** Drop the bars the source no longer has (within the range, of the symbols it delivered); default keep. */
    replace?: boolean;
    log: Logger;
  },
): Promise<FetchSummary> {
  const list = await resolveSymbolList(opts.symbolList);
  const source = createSource(opts.source, {
    yahoo: { baseUrl: yahooEndpoint().url },
    onBadRow: opts.onBadRow,
  });
  const range = resolveRange(opts.start, opts.end, source);
  opts.log.info(
    `fetching ${list.symbols.length} symbols (${list.name}) from ${describeSource(source)}${source.synthetic ? ' [SYNTHETIC]' : ''}, ${describeRange(range)}`,
  );
  const fetchedAt = new Date().toISOString();
  if (isCsvSource(source) && ws.engine.loadCsvPrices) {
    const engine = { loadCsvPrices: ws.engine.loadCsvPrices.bind(ws.engine) };
    const csv = await fetchCsvIntoLake(engine, source, list.symbols, range, opts.log, {
      replace: opts.replace,
      fetchedAt,
    });
    logUsed(opts.log, source.name, csv.span, csv.written, list.symbols.length - csv.failures.length);
    return {
      replaced: csv.written.replaced,
      vanished: csv.written.vanished,
      dropped: csv.written.dropped,
      symbolList: list,
      source: source.name,
      synthetic: false,
      range,
      bars: csv.bars,
      failures: csv.failures,
      skippedRows: csv.nullRows,
      badRows: csv.badRows,
      span: csv.span,
    };
  }
  const result = checkFetchResult(
    await withDeadline(opts.fetchTimeoutMs, (signal) =>
      source.fetch(list.symbols, range, opts.log, { signal }),
    ),
    list.symbols,
    source,
    opts.log,
  );
  if (result.bars.length === 0) {
    throw new BfError(
      `${source.name} returned no bars for ${list.name} between ${range.start} and ${range.end}`,
      {
        hint: 'widen the range with --start/--end',
      },
    );
  }
  const written = await ws.engine.writePrices(result.bars, {
    source: source.name,
    synthetic: source.synthetic,
    range,
    replace: opts.replace,
    fetchedAt,
  });
  const span = barSpan(result.bars);
  logUsed(opts.log, source.name, span, written, list.symbols.length - result.failures.length);
  return {
    symbolList: list,
    source: source.name,
    synthetic: source.synthetic,
    range,
    bars: result.bars.length,
    failures: result.failures,
    skippedRows: result.skippedRows,
    badRows: result.badRows ?? 0,
    span,
    replaced: written.replaced,
    vanished: written.vanished,
    dropped: written.dropped,
  };
}

function barSpan(bars: readonly { date: string }[]): DateRange | null {
  if (bars.length === 0) return null;
  let start = bars[0]!.date;
  let end = start;
  for (const b of bars) {
    if (b.date < start) start = b.date;
    if (b.date > end) end = b.date;
  }
  return { start, end };
}

/**
 * Every fetch says what went in: the dates, the source, the symbols; what it replaced; the bars the source no
 * longer has (kept with a warning naming them, or dropped with --replace); what the lake holds after it.
 */
function logUsed(
  log: Logger,
  source: string,
  span: DateRange | null,
  written: PricesWritten,
  symbols: number,
): void {
  if (span) log.info(`using ${span.start} → ${span.end} from ${source}: ${symbols} symbols`);
  log.info(
    `lake: added ${written.added} bar(s), replaced ${written.replaced} bar(s) whose values ${source} changed`,
  );
  if (written.vanished.length > 0) {
    const total = written.vanished.reduce((n, v) => n + v.bars, 0);
    const named = written.vanished.map((v) => `${v.symbol} (${v.bars}, ${v.first} → ${v.last})`).join(', ');
    if (written.dropped) log.warn(`lake: dropped ${total} bars the source no longer has: ${named}`);
    else
      log.warn(
        `lake: kept ${total} bars the source no longer has: ${named}; pass --replace to drop them (the source's bars then replace the symbol's bars in the range)`,
      );
  }
  log.info(`lake: prices now hold ${written.rows} rows for ${written.symbols} symbols`);
}

/** Runs `work` with a signal that aborts, with a reason naming `--fetch-timeout`, once `ms` have passed. */
async function withDeadline<T>(
  ms: number | undefined,
  work: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (ms === undefined) return work(undefined);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(`the --fetch-timeout of ${ms / 1000} s ran out`), ms);
  try {
    return await work(deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

export interface SignalsSummary {
  symbolList: SymbolList;
  /** The run's range: the flags' bounds, the lake's first/last bar of the list where a bound was not given. */
  range: DateRange;
  /** The signals generated (all unless `--signal` chose some). */
  signals: SignalName[];
  synthetic: boolean;
  source: string;
  series: BreadthSeriesRow[];
  events: SignalEvent[];
  /** Symbols of the list with no prices in the lake, left out of breadth, each with why. */
  skipped: SymbolFailure[];
}

/**
 * `bf signals generate`: the list's prices within the range → SQL features + breadth (engine) → derived series +
 * signals (TypeScript) → lake. Only the run's symbols and dates go in, whatever else the lake holds.
 */
export async function signalsStage(
  ws: Workspace,
  opts: {
    symbolList: string;
    start?: string;
    end?: string;
    signals?: SignalName[];
    log: Logger;
    persist?: boolean;
    /** Fewer symbols with prices than this fails the run (default DEFAULT_MIN_SYMBOLS). */
    minSymbols?: number;
    /** Why symbols failed to fetch in this run, to name the reason they are skipped. */
    fetchFailures?: readonly SymbolFailure[];
    /** Recompute all history even when the stored run allows an incremental one (`--full`). */
    full?: boolean;
  },
): Promise<SignalsSummary> {
  const list = await resolveSymbolList(opts.symbolList);
  // One hold from reading prices to storing signals: all four tables this writes come from this run.
  return ws.exclusive(() => deriveSignals(ws, list, opts));
}

async function deriveSignals(
  ws: Workspace,
  list: SymbolList,
  opts: Parameters<typeof signalsStage>[1],
): Promise<SignalsSummary> {
  const pricesMeta = await ws.engine.readMeta(TABLE.prices);
  const fetchHint = `run \`bf data fetch --symbol-list ${opts.symbolList}${opts.start ? ` --start ${opts.start}` : ''}${opts.end ? ` --end ${opts.end}` : ''}\` first (or \`bf pipeline run\`)`;
  if (!pricesMeta) {
    throw new BfError(`no prices in the lake at ${ws.location}`, { hint: fetchHint });
  }
  // A symbol this run's fetch found no bars for (in this range) is skipped even when the lake has older bars of
  // it: the run uses exactly what its own fetch delivered, as a fresh workdir would.
  const failedNow = new Set((opts.fetchFailures ?? []).map((f) => f.symbol));
  const available = pricesMeta.symbols.filter((s) => !failedNow.has(s));
  const { used, skipped } = symbolsWithData(list, available, {
    minSymbols: opts.minSymbols ?? DEFAULT_MIN_SYMBOLS,
    reasons: opts.fetchFailures ?? [],
    location: ws.location,
  });
  if (skipped.length > 0) {
    opts.log.warn(
      `${skipped.length} of ${list.symbols.length} symbols skipped (no prices): ${skipped.map((f) => `${f.symbol} (${f.reason})`).join('; ')}`,
    );
  }
  let told = false;
  const days = await ws.engine.computeBreadth(
    used,
    { start: opts.start, end: opts.end },
    {
      listName: list.name,
      full: opts.full,
      // Which way it went, on stderr: an incremental run names what it recomputed, a full one why.
      onPath: (p) => {
        told = true;
        opts.log.info(p.incremental ? p.summary : `full recompute: ${p.reason}`);
      },
    },
  );
  if (!told) opts.log.info(`full recompute: the ${ws.engine.name} engine has no incremental path`);
  if (days.length === 0) {
    throw new BfError(
      `the lake at ${ws.location} has no bars of ${list.name} between ${opts.start ?? 'its first bar'} and ${opts.end ?? 'its last bar'}`,
      { hint: fetchHint },
    );
  }
  const range = { start: opts.start ?? days[0]!.date, end: opts.end ?? days.at(-1)!.date };
  // The bars this run used name their sources: its symbols' lineage within its range, not the whole lake's.
  const lineage = scopeLineage(pricesMeta.lineage, used, range, pricesMeta);
  const series = deriveBreadthSeries(days);
  const signals = opts.signals ?? [...SIGNAL_NAMES];
  const events = generateSignals(series, signals);
  const summary: SignalsSummary = {
    symbolList: list,
    range,
    signals,
    synthetic: lineage.synthetic,
    source: lineage.source,
    series,
    events,
    skipped,
  };
  if (opts.persist ?? true) await ws.engine.writeTables(signalTables(summary));
  opts.log.info(
    `breadth: ${series[0]?.date ?? '-'} → ${series.at(-1)?.date ?? '-'}, ${series.length} days over ${used.length} symbols (${describeScope(list.name, range)}) from ${lineage.source}${lineage.synthetic ? ' [SYNTHETIC]' : ''}; signals: ${events.length} firing(s)`,
  );
  return summary;
}

/** The lake tables of a signals run: the derived breadth series, the firings, and the scope they are for. */
export function signalTables(
  s: Pick<SignalsSummary, 'series' | 'events' | 'source' | 'synthetic' | 'symbolList' | 'range' | 'signals'>,
): TableWrite[] {
  const meta = { source: s.source, synthetic: s.synthetic };
  const scope: StoredScope = {
    symbolList: s.symbolList.name,
    symbols: s.symbolList.symbols,
    range: s.range,
    signals: s.signals,
    source: s.source,
    synthetic: s.synthetic,
  };
  return [
    // A nightly run adds a day: the stored days are kept when they are the first of these rows (a re-aggregated
    // history, another list or range, or other code deriving them makes them differ, and the table is rewritten).
    {
      table: TABLE.breadthSeries,
      rows: breadthSeriesToLake(s.series),
      columns: BREADTH_SERIES_SCHEMA,
      meta,
      appendable: true,
    },
    { table: TABLE.signals, rows: s.events.map(toLakeRow), columns: SIGNALS_SCHEMA, meta },
    { table: TABLE.signalsScope, rows: [scopeToRow(scope)], columns: SIGNALS_SCOPE_SCHEMA, meta },
  ];
}

/**
 * Reads what `signalsStage` stored, so `bf backtest run` works on its own after `bf signals generate`, and checks
 * that it was generated for the wanted list, range and signals (else a BfError naming the command that makes it).
 * The events come back filtered to the wanted signals.
 */
export async function loadSignals(
  ws: Workspace,
  want: { symbolList: string; start?: string; end?: string; signals?: SignalName[] },
): Promise<Omit<SignalsSummary, 'skipped'>> {
  const list = await resolveSymbolList(want.symbolList);
  // Breadth and signals read as one set, never one run's breadth with another's signals.
  return ws.shared(() => readSignals(ws, list, want));
}

async function readSignals(
  ws: Workspace,
  list: SymbolList,
  want: { start?: string; end?: string; signals?: SignalName[] },
): Promise<Omit<SignalsSummary, 'skipped'>> {
  const hasAll =
    (await ws.engine.readMeta(TABLE.breadthSeries)) &&
    (await ws.engine.readMeta(TABLE.signals)) &&
    (await ws.engine.readMeta(TABLE.signalsScope));
  const storedRow = hasAll ? (await ws.engine.readRows(TABLE.signalsScope))[0] : undefined;
  const stored = checkStoredScope(
    storedRow ? scopeFromRow(storedRow) : null,
    { symbolList: list, start: want.start, end: want.end, signals: want.signals },
    ws.location,
  );
  // breadth_series, not breadth: it is written together with signals and their scope, so the three agree.
  const days = (await ws.engine.readRows(TABLE.breadthSeries)).map(breadthDayFromRow);
  days.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const signals = want.signals ?? stored.signals;
  const events = (await ws.engine.readRows(TABLE.signals))
    .map(signalFromLake)
    .filter((e) => signals.includes(e.signal));
  return {
    symbolList: list,
    range: stored.range,
    signals,
    synthetic: stored.synthetic,
    source: stored.source,
    series: deriveBreadthSeries(days),
    events,
  };
}
