import { readFile } from 'node:fs/promises';
import { ALL_DATES, type DateRange, describeRange } from '../domain/bar.ts';
import type { CsvFileCounts, CsvFileIn, LakeEngine, PricesWritten } from '../engines/engine.ts';
import { type CsvFileReport, type CsvSource, csvPaths, judgeBadRows, parseYahooCsv } from '../sources/csv.ts';
import { checkFetchResult, noBarsReason, type SymbolFailure } from '../sources/source.ts';
import { UsageError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';

export interface CsvFetchOutcome {
  bars: number;
  failures: SymbolFailure[];
  nullRows: number;
  badRows: number;
  /** First and last date of the bars written. */
  span: DateRange | null;
  written: PricesWritten;
}

/**
 * `bf data fetch --source csv:DIR` on an engine that reads CSVs itself: the engine reads each file once, checks its
 * bytes (UTF-8, header) and its rows, `--on-bad-row` is applied to its counts (the rejected rows are named by
 * re-reading only the files that have some), and only then is anything written.
 */
export async function fetchCsvIntoLake(
  engine: Required<Pick<LakeEngine, 'loadCsvPrices'>>,
  source: CsvSource,
  symbols: readonly string[],
  range: DateRange,
  log: Logger,
  write: { replace?: boolean; fetchedAt: string } = { fetchedAt: new Date().toISOString() },
): Promise<CsvFetchOutcome> {
  const failures: SymbolFailure[] = [];
  // The engine finds out from the bytes it reads whether each file is usable, its layout and whether its dates
  // ascend (`ordered` left open): one read per file.
  const paths = await csvPaths(source.dir, symbols);
  const files: CsvFileIn[] = symbols.map((symbol, k) => ({ symbol, path: paths[k]! }));

  let nullRows = 0;
  let badRows = 0;
  const { written, counts } = await engine.loadCsvPrices({
    files,
    range,
    meta: { source: source.name, synthetic: false, range, ...write },
    judge: async (counts) => {
      for (const c of counts)
        if (c.failure !== undefined) failures.push({ symbol: c.symbol, reason: c.failure });
      const all = counts.filter((c) => c.failure === undefined);
      // Every file unusable: the same judgement (and message) as any source where every symbol failed.
      if (all.length === 0)
        checkFetchResult({ bars: [], failures, skippedRows: 0 }, [...symbols], source, log);
      const reports = await Promise.all(all.map((c) => explain(c, range)));
      judgeBadRows(source.name, reports, source.onBadRow, log);
      nullRows = all.reduce((n, c) => n + c.nullRows, 0);
      badRows = all.reduce((n, c) => n + c.badRows, 0);
      const empty = all.filter((c) => c.bars === 0);
      if (empty.length === all.length && failures.length === 0) throw outsideData(source.name, range, all);
      for (const c of empty)
        failures.push({ symbol: c.symbol, reason: `${noBarsReason(range)} in ${c.path}` });
      checkFetchResult({ bars: [], failures, skippedRows: nullRows }, [...symbols], source, log);
      return counts.flatMap((c, i) => (c.bars > 0 ? [i] : []));
    },
  });
  const kept = counts.filter((c) => c.bars > 0);
  const first = kept.map((c) => maxDate(c.first!, range.start)).sort()[0];
  const last = kept
    .map((c) => minDate(c.last!, range.end))
    .sort()
    .at(-1);
  return {
    bars: kept.reduce((n, c) => n + c.bars, 0),
    failures,
    nullRows,
    badRows,
    span: first && last ? { start: first, end: last } : null,
    written,
  };
}

/** The report of a file: the engine's counts, and for a file with bad rows, the rows named (csv-rows.ts rules). */
async function explain(c: CsvFileCounts, range: DateRange): Promise<CsvFileReport> {
  const report: CsvFileReport = {
    symbol: c.symbol,
    path: c.path,
    nullRows: c.nullRows,
    badRows: c.badRows,
    problems: [],
  };
  if (c.badRows === 0) return report;
  const parsed = parseYahooCsv(c.symbol, await readFile(c.path, 'utf8'), range, c.path);
  report.problems = parsed.ok ? parsed.report.problems : [parsed.reason];
  return report;
}

/** Every file has bars, none in the range asked for: say what the files do hold (exit 2). */
function outsideData(sourceName: string, range: DateRange, all: readonly CsvFileCounts[]): UsageError {
  const firsts = all.flatMap((c) => (c.first ? [c.first] : [])).sort();
  const lasts = all.flatMap((c) => (c.last ? [c.last] : [])).sort();
  const held =
    firsts.length > 0 ? `the files hold ${firsts[0]} → ${lasts.at(-1)}` : 'the files hold no usable rows';
  return new UsageError(
    `${sourceName} has no bars in ${describeRange(range)}: ${held}`,
    range === ALL_DATES
      ? 'check the files'
      : 'choose --start/--end within that span, or omit them to use everything',
  );
}

const maxDate = (a: string, b: string) => (a > b ? a : b);
const minDate = (a: string, b: string) => (a < b ? a : b);
