import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ALL_DATES, type DailyBar, type DateRange } from '../domain/bar.ts';
import { BfError, UsageError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';
import { createCsvSource } from './csv.ts';
import type { BadRowPolicy } from './csv-rows.ts';
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
  /** Rows that broke the source's row rules and were skipped (`csv:DIR` under `--on-bad-row skip`). */
  badRows?: number;
  /** Attempts repeated after a retryable error (remote sources only). */
  retries?: number;
  /** Set when the fetch stopped before every symbol was tried: the result is incomplete and must not be stored. */
  stopped?: FetchStop;
}

/** Why a fetch stopped early: the run's deadline ran out, or the endpoint cannot be reached at all. */
export interface FetchStop {
  reason: string;
  cause: 'deadline' | 'unreachable';
}

export interface FetchOptions {
  /** Aborting it stops the fetch; its reason (a string) says why, e.g. that `--fetch-timeout` ran out. */
  signal?: AbortSignal;
}

export interface PriceSource {
  /** `yahoo`, `sample` or `csv:DIR`, as the user spelled it. */
  readonly name: string;
  /** True when the prices are generated rather than market data. */
  readonly synthetic: boolean;
  /** Where a remote source reads from (the URL actually used), for messages. */
  readonly endpoint?: string;
  /**
   * The range used when the user gives neither --start nor --end. Default: the five years up to today
   * (DEFAULT_RANGE_YEARS); `csv:DIR` holds its own history and uses all of it, `sample` has a fixed range.
   */
  defaultRange?(today: Date): DateRange;
  /** Per-symbol problems land in `failures`; it rejects only when the whole fetch cannot run. */
  fetch(symbols: string[], range: DateRange, log: Logger, opts?: FetchOptions): Promise<FetchResult>;
}

export interface CreateSourceOptions {
  yahoo?: YahooSourceOptions;
  sample?: SampleSourceOptions;
  /** `--on-bad-row` for `csv:DIR`. */
  onBadRow?: BadRowPolicy;
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
    // Absolute: the name goes into the lake's lineage and metrics.json, read later from anywhere.
    return createCsvSource(resolve(dir), { onBadRow: opts.onBadRow });
  }
  throw new UsageError(`unknown source "${spec}"`, `use one of: ${SOURCE_FORMS.join(', ')}`);
}

/** The failure reason of symbols a stopped fetch did not get to, or abandoned mid-request. */
export const NOT_FETCHED = 'not fetched: the fetch stopped';

/** The failure reason every source gives for a symbol that has no bars in the range. */
export function noBarsReason(range: DateRange): string {
  if (range.start === ALL_DATES.start && range.end === ALL_DATES.end) return 'no bars';
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

/** `yahoo (http://…)`: the source with the endpoint it actually used, for messages. */
export function describeSource(source: Pick<PriceSource, 'name' | 'endpoint'>): string {
  return source.endpoint ? `${source.name} (${source.endpoint})` : source.name;
}

/**
 * Judges a fetch: throws BfError (exit 1) when it stopped early (deadline, unreachable endpoint) or when every
 * requested symbol failed, naming the symbols and the endpoint used; otherwise warns once per failed symbol and
 * returns the result unchanged.
 */
export function checkFetchResult(
  result: FetchResult,
  requested: string[],
  source: string | Pick<PriceSource, 'name' | 'endpoint'>,
  log: Logger,
): FetchResult {
  const src = typeof source === 'string' ? { name: source } : source;
  const label = describeSource(src);
  const failed = new Set(result.failures.map((f) => f.symbol));
  const reachHint = src.endpoint
    ? `check network access to ${src.endpoint}, or try --source sample`
    : 'check the symbols and the source, or try --source sample';
  if (result.stopped) {
    const ok = requested.filter((s) => !failed.has(s)).length;
    const tried = result.failures.filter((f) => f.reason !== NOT_FETCHED).length;
    throw new BfError(
      `fetch from ${label} stopped: ${result.stopped.reason}; ${ok}/${requested.length} symbols fetched, ` +
        `${tried} failed, ${result.retries ?? 0} retries; nothing was written to the lake`,
      {
        hint:
          result.stopped.cause === 'deadline'
            ? 'raise --fetch-timeout, or fetch a shorter list or range'
            : reachHint,
      },
    );
  }
  const allFailed = requested.length > 0 && requested.every((s) => failed.has(s));
  if (allFailed) {
    const detail = result.failures.map((f) => `${f.symbol} (${f.reason})`).join('; ');
    throw new BfError(`every symbol failed to fetch from ${label}: ${detail}`, { hint: reachHint });
  }
  for (const f of result.failures) log.warn(`${src.name}: ${f.symbol} failed: ${f.reason}`);
  if (result.skippedRows > 0) {
    log.warn(`${src.name}: ${result.skippedRows} row(s) with null close / adj close skipped`);
  }
  return result;
}
