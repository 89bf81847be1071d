import { readFile } from 'node:fs/promises';
import { ALL_DATES, type DateRange, describeRange } from '../domain/bar.ts';
import type { CsvFileCounts, CsvFileIn, LakeEngine, PricesWritten } from '../engines/engine.ts';
import {
  type CsvFileReport,
  type CsvSource,
  checkCsvBytes,
  csvPaths,
  judgeBadRows,
  parseYahooCsv,
  readCsvBytes,
} from '../sources/csv.ts';
import { isStandardLayout } from '../sources/csv-rows.ts';
import { mapWithConcurrency } from '../sources/pool.ts';
import { checkFetchResult, noBarsReason, type SymbolFailure } from '../sources/source.ts';
import { UsageError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';

/** Files read and checked at once (a 20-year daily file is ~300 KB). */
const BYTE_CHECKS_IN_FLIGHT = 8;

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
 * `bf data fetch --source csv:DIR` on an engine that reads CSVs itself: each file's bytes are checked here (UTF-8,
 * header), the engine reads and checks the rows, `--on-bad-row` is applied to its counts (the rejected rows are
 * named by re-reading only the files that have some), and only then is anything written.
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
  const files: CsvFileIn[] = [];
  // Several reads in flight: the disk works while a file's bytes are checked (results stay in list order).
  const paths = await csvPaths(source.dir, symbols);
  const checked = await mapWithConcurrency(symbols, BYTE_CHECKS_IN_FLIGHT, async (symbol, k) => {
    const path = paths[k]!;
    const read = await readCsvBytes(path);
    const check = read.ok ? checkCsvBytes(path, read.bytes) : read;
    // The engine finds out whether the dates ascend from the bytes it reads (`ordered` left open).
    return { symbol, path, check };
  });
  for (const { symbol, path, check } of checked) {
    if (!check.ok) failures.push({ symbol, reason: check.reason });
    else if (isStandardLayout(check.layout)) files.push({ symbol, path });
    else files.push({ symbol, path, layout: check.layout });
  }
  // Every file unusable: the same judgement (and message) as any source where every symbol failed.
  if (files.length === 0) checkFetchResult({ bars: [], failures, skippedRows: 0 }, [...symbols], source, log);

  let nullRows = 0;
  let badRows = 0;
  const { written, counts } = await engine.loadCsvPrices({
    files,
    range,
    meta: { source: source.name, synthetic: false, range, ...write },
    judge: async (all) => {
      const reports = await Promise.all(all.map((c) => explain(c, range)));
      judgeBadRows(source.name, reports, source.onBadRow, log);
      nullRows = all.reduce((n, c) => n + c.nullRows, 0);
      badRows = all.reduce((n, c) => n + c.badRows, 0);
      const empty = all.filter((c) => c.bars === 0);
      if (empty.length === all.length && failures.length === 0) throw outsideData(source.name, range, all);
      for (const c of empty)
        failures.push({ symbol: c.symbol, reason: `${noBarsReason(range)} in ${c.path}` });
      checkFetchResult({ bars: [], failures, skippedRows: nullRows }, [...symbols], source, log);
      return all.flatMap((c, i) => (c.bars > 0 ? [i] : []));
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
