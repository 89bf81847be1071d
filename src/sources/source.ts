import { statSync } from 'node:fs';
import type { DailyBar, DateRange } from '../domain/bar.ts';
import { BfError, UsageError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';
import { createCsvSource } from './csv.ts';
import { createSampleSource, type SampleSourceOptions } from './sample.ts';
import { createYahooSource, type YahooSourceOptions } from './yahoo.ts';

/** A symbol the source could not deliver, with a reason meant for a person. */
export interface SymbolFailure {
  symbol: string;
  reason: string;
}

/** What one fetch delivered: bars of the symbols that worked, the ones that did not, and rows dropped. */
export interface FetchResult {
  bars: DailyBar[];
  failures: SymbolFailure[];
  /** Rows the source returned but that had no usable close / adj close (null or empty values). */
  skippedRows: number;
}

export interface PriceSource {
  /** `yahoo`, `sample` or `csv:DIR`, as the user spelled it. */
  readonly name: string;
  /** True when the prices are generated rather than market data. */
  readonly synthetic: boolean;
  /** Per-symbol problems land in `failures`; it rejects only when the whole fetch cannot run. */
  fetch(symbols: string[], range: DateRange, log: Logger): Promise<FetchResult>;
}

export interface CreateSourceOptions {
  yahoo?: YahooSourceOptions;
  sample?: SampleSourceOptions;
}

export const SOURCE_FORMS = ['yahoo', 'sample', 'csv:DIR'] as const;

/** Parses a `--source` value: `yahoo` | `sample` | `csv:DIR`. Throws UsageError (exit 2) otherwise. */
export function createSource(spec: string, opts: CreateSourceOptions = {}): PriceSource {
  const trimmed = spec.trim();
  if (trimmed === 'yahoo') return createYahooSource(opts.yahoo);
  if (trimmed === 'sample') return createSampleSource(opts.sample);
  if (trimmed.startsWith('csv:')) {
    const dir = trimmed.slice('csv:'.length);
    if (dir === '') {
      throw new UsageError('source "csv:" names no directory', 'write csv:DIR, e.g. csv:./prices');
    }
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      throw new UsageError(
        `csv source directory not found: ${dir}`,
        'point csv:DIR at a directory holding one <SYMBOL>.csv per symbol',
      );
    }
    return createCsvSource(dir);
  }
  throw new UsageError(`unknown source "${spec}"`, `use one of: ${SOURCE_FORMS.join(', ')}`);
}

/** The failure reason every source gives for a symbol that has no bars in the range. */
export function noBarsReason(range: DateRange): string {
  return `no bars between ${range.start} and ${range.end}`;
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The default range when the user gives none: the five years up to and including `today` (UTC date). */
export function defaultRange(today: Date = new Date()): DateRange {
  const start = new Date(Date.UTC(today.getUTCFullYear() - 5, today.getUTCMonth(), today.getUTCDate()));
  return { start: isoDate(start), end: isoDate(today) };
}

/**
 * Judges a fetch: throws BfError (exit 1) naming the symbols when every requested symbol failed;
 * otherwise warns once per failed symbol and returns the result unchanged.
 */
export function checkFetchResult(
  result: FetchResult,
  requested: string[],
  sourceName: string,
  log: Logger,
): FetchResult {
  const failed = new Set(result.failures.map((f) => f.symbol));
  const allFailed = requested.length > 0 && requested.every((s) => failed.has(s));
  if (allFailed) {
    const detail = result.failures.map((f) => `${f.symbol} (${f.reason})`).join('; ');
    throw new BfError(`every symbol failed to fetch from ${sourceName}: ${detail}`, {
      hint:
        sourceName === 'yahoo'
          ? 'check network access to query1.finance.yahoo.com, or try --source sample'
          : 'check the symbols and the source, or try --source sample',
    });
  }
  for (const f of result.failures) log.warn(`${sourceName}: ${f.symbol} skipped: ${f.reason}`);
  if (result.skippedRows > 0) {
    log.warn(`${sourceName}: ${result.skippedRows} row(s) with null close / adj close skipped`);
  }
  return result;
}
