import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALL_DATES, type DailyBar, type DateRange } from '../domain/bar.ts';
import { UsageError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';
import { dateKeyAt } from './csv-date.ts';
import {
  type BadRowPolicy,
  type CsvLayout,
  type CsvLine,
  checkCsvLine,
  csvLayout,
  DEFAULT_BAD_ROW_POLICY,
  shown,
} from './csv-rows.ts';
import { type FetchResult, noBarsReason, type PriceSource, type SymbolFailure } from './source.ts';

/** The header of Yahoo's historical-prices download, which is the format `csv:DIR` reads. */
export const YAHOO_CSV_HEADER = 'Date,Open,High,Low,Close,Adj Close,Volume';

/** Problems named per file in messages; the rest are counted. */
export const PROBLEMS_SHOWN = 3;

/** One file of `csv:DIR` and what reading it found. */
export interface CsvFileReport {
  symbol: string;
  path: string;
  /** Rows with a null or empty Close / Adj Close (skipped, counted). */
  nullRows: number;
  /** Rows that break the rules (src/sources/csv-rows.ts). */
  badRows: number;
  /** The first PROBLEMS_SHOWN bad rows, `line N: what is wrong`. */
  problems: string[];
}

/** The file of a symbol in `csv:DIR`. */
export function csvPath(dir: string, symbol: string): string {
  return join(dir, `${symbol}.csv`);
}

/**
 * The files of `symbols` (upper case, as lists are read) in `dir`: `<SYMBOL>.csv`, or else the one file whose name
 * is that in another case (`aapl.csv` for a list saying `aapl`, on a case-sensitive filesystem). Without either,
 * `<SYMBOL>.csv`, which the read then names as not found.
 */
export async function csvPaths(dir: string, symbols: readonly string[]): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return symbols.map((s) => csvPath(dir, s));
  }
  const exact = new Set(names);
  const byLower = new Map<string, string[]>();
  for (const name of names) {
    const key = name.toLowerCase();
    byLower.set(key, [...(byLower.get(key) ?? []), name]);
  }
  return symbols.map((symbol) => {
    const name = `${symbol}.csv`;
    const other = byLower.get(name.toLowerCase());
    return join(dir, exact.has(name) || other?.length !== 1 ? name : other[0]!);
  });
}

/** A file's bytes judged before any row is read: the layout its header names, or why it cannot be used. */
export type CsvBytesCheck = { ok: true; layout: CsvLayout } | { ok: false; reason: string };

/** The header line of a file's text: line 1, without its BOM, line end and surrounding spaces. */
function headerLine(firstLine: string): string {
  return firstLine.replace(/^\uFEFF/, '').trim();
}

/** The layout of a header, or the reason naming the file (same words on every path). */
function layoutOf(path: string, header: string): CsvBytesCheck {
  const layout = csvLayout(header);
  if (layout) return { ok: true, layout };
  return {
    ok: false,
    reason: `${path} has header ${shown(header)}; expected "${YAHOO_CSV_HEADER}"`,
  };
}

/**
 * Checks a file's bytes before any row is read: readable, text in UTF-8 (UTF-16 and binary files are named), and a
 * header on line 1 naming Yahoo's seven columns (in any order, other columns ignored: src/sources/csv-rows.ts
 * `csvLayout`). Returns the file's layout, or the reason it cannot be used.
 */
export function checkCsvBytes(path: string, bytes: Buffer): CsvBytesCheck {
  const no = (reason: string): CsvBytesCheck => ({ ok: false, reason });
  if (bytes.length === 0) return no(`${path} is empty (0 bytes): no header, no rows`);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return no(`${path} is UTF-16 text; save it as UTF-8 (Yahoo's download format)`);
  }
  if (bytes.indexOf(0) !== -1) {
    return no(
      `${path} holds NUL bytes (UTF-16 without a byte-order mark, or not a text file); save it as UTF-8 CSV`,
    );
  }
  if (!isUtf8(bytes)) return no(`${path} is not valid UTF-8 text; save it as UTF-8 CSV`);
  // The embedded engine reads each line as one field split on SOH; a file holding one is not a CSV we can read.
  if (bytes.indexOf(1) !== -1) return no(`${path} holds control byte 0x01; it is not a text CSV`);
  const end = bytes.indexOf(0x0a);
  return layoutOf(path, headerLine(bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8')));
}

const NEWLINE = 0x0a;

/**
 * True when every line after the header starts with a `YYYY-MM-DD`-shaped date and a comma, each date later than
 * the one before (as text, which for that shape is date order): such a file repeats no date and is in date order,
 * so a load needs neither a repeated-date check nor a sort for it. False says nothing is wrong, only that this
 * cheap proof does not hold (blank lines, spaces before a date, rows out of order…); those files take the
 * general path. One pass over the lines' first 11 bytes (the rest of each line is skipped by a native search).
 */
export function datesAscending(bytes: Buffer): boolean {
  const n = bytes.length;
  let pos = bytes.indexOf(NEWLINE) + 1;
  if (pos === 0) return true; // a header alone: no rows
  let prev = -1;
  while (pos < n) {
    const key = dateKeyAt(bytes, pos);
    // NOT_A_DATE (-1) is never above prev.
    if (key <= prev) return false;
    prev = key;
    const end = bytes.indexOf(NEWLINE, pos + 11);
    if (end === -1) break;
    pos = end + 1;
  }
  return true;
}

export type CsvBytesRead = { ok: true; bytes: Buffer } | { ok: false; reason: string };

/** Reads a file's bytes, or says why it cannot be read. */
export async function readCsvBytes(path: string): Promise<CsvBytesRead> {
  try {
    return { ok: true, bytes: await readFile(path) };
  } catch (err) {
    return unreadable(path, err);
  }
}

/** readCsvBytes on this thread: for a thread that must not wait on libuv's pool (src/sources/csv-plain-worker.ts). */
export function readCsvBytesSync(path: string): CsvBytesRead {
  try {
    return { ok: true, bytes: readFileSync(path) };
  } catch (err) {
    return unreadable(path, err);
  }
}

function unreadable(path: string, err: unknown): CsvBytesRead {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return { ok: false, reason: `file not found: ${path}` };
  if (code === 'EISDIR') return { ok: false, reason: `${path} is a directory, not a CSV file` };
  return { ok: false, reason: `cannot read ${path}: ${code ?? String(err)}` };
}

export type CsvParse = { ok: true; bars: DailyBar[]; report: CsvFileReport } | { ok: false; reason: string };

/** What identifies a row's content: two lines of one date with the same key say the same thing. */
function rowKey(row: CsvLine): string {
  if (row.kind !== 'bar') return row.kind;
  return `${row.open},${row.high},${row.low},${row.close},${row.adjClose},${row.volume}`;
}

/**
 * Parses one Yahoo-format CSV by the rules of csv-rows.ts: every data line is checked (the range only decides which
 * bars are returned), bad lines are named with their line number, a date on several lines that do not all say the
 * same rejects all of them (the same row twice, as where two downloads were joined, counts once), and the bars come
 * back sorted by date whatever the file's order.
 */
export function parseYahooCsv(symbol: string, text: string, range: DateRange, path: string): CsvParse {
  const lines = text.split('\n');
  const head = layoutOf(path, headerLine(lines[0] ?? ''));
  if (!head.ok) return head;
  const report: CsvFileReport = { symbol, path, nullRows: 0, badRows: 0, problems: [] };
  const bad: { line: number; problem: string }[] = [];
  // Per date its first line, what it said, and the later lines that said the same (not counted).
  const firstOf = new Map<
    string,
    { line: number; kind: 'null' | 'bad' | 'bar'; key: string; copies: number[] }
  >();
  const repeated = new Set<string>();
  const bars = new Map<string, DailyBar>();
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    const row = checkCsvLine(lines[i]!.replace(/\r$/, ''), head.layout);
    if (row.kind === 'blank') continue;
    if (row.kind === 'bad' && row.date === undefined) {
      bad.push({ line: lineNo, problem: row.problem });
      continue;
    }
    const date = row.date!;
    const first = firstOf.get(date);
    if (first !== undefined) {
      if (!repeated.has(date) && first.kind !== 'bad' && row.kind !== 'bad' && rowKey(row) === first.key) {
        first.copies.push(lineNo);
        continue;
      }
      if (!repeated.has(date)) {
        repeated.add(date);
        // The first line was counted as what it looked like alone; now it is bad too, and so are its copies.
        if (first.kind === 'null') report.nullRows--;
        if (first.kind !== 'bad')
          bad.push({ line: first.line, problem: `date ${date} is on lines ${first.line} and ${lineNo}` });
        for (const copy of first.copies)
          bad.push({ line: copy, problem: `date ${date} is also on line ${first.line}` });
        bars.delete(date);
      }
      bad.push({ line: lineNo, problem: `date ${date} is also on line ${first.line}` });
      continue;
    }
    firstOf.set(date, { line: lineNo, kind: row.kind, key: rowKey(row), copies: [] });
    if (row.kind === 'bad') bad.push({ line: lineNo, problem: row.problem });
    else if (row.kind === 'null') report.nullRows++;
    else if (date >= range.start && date <= range.end) {
      const { open, high, low, close, adjClose, volume } = row;
      bars.set(date, { symbol, date, open, high, low, close, adjClose, volume });
    }
  }
  bad.sort((a, b) => a.line - b.line);
  report.badRows = bad.length;
  report.problems = bad.slice(0, PROBLEMS_SHOWN).map((b) => `line ${b.line}: ${b.problem}`);
  const sorted = [...bars.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { ok: true, bars: sorted, report };
}

/**
 * Applies `--on-bad-row` to the files' reports before anything is written: `fail` throws (exit 2) naming every
 * file with bad rows and its first problems; `skip` warns once per such file with its count.
 */
export function judgeBadRows(
  sourceName: string,
  reports: readonly CsvFileReport[],
  policy: BadRowPolicy,
  log: Logger,
): void {
  const withBad = reports.filter((r) => r.badRows > 0);
  const describe = (r: CsvFileReport) =>
    `${r.path}: ${r.badRows} bad row(s): ${r.problems.join('; ')}${r.badRows > r.problems.length ? '; …' : ''}`;
  if (withBad.length === 0) return;
  if (policy === 'fail') {
    throw new UsageError(
      `${sourceName}: ${withBad.length} file(s) have bad rows; nothing was written to the lake\n  ${withBad.map(describe).join('\n  ')}`,
      'fix or delete those rows, or pass --on-bad-row skip to drop them and go on',
    );
  }
  for (const r of withBad) log.warn(`${sourceName}: skipped ${describe(r)}`);
}

export interface CsvSource extends PriceSource {
  readonly kind: 'csv';
  readonly dir: string;
  readonly onBadRow: BadRowPolicy;
}

export function isCsvSource(source: PriceSource): source is CsvSource {
  return (source as Partial<CsvSource>).kind === 'csv';
}

/**
 * `csv:DIR`: reads `DIR/<SYMBOL>.csv` per symbol; a missing, unreadable or mis-headed file fails that symbol only.
 * Its default range is everything in the files. The embedded engine reads the files itself (faster, same rules);
 * `fetch` is the path for the other engines.
 */
export function createCsvSource(dir: string, opts: { onBadRow?: BadRowPolicy } = {}): CsvSource {
  const onBadRow = opts.onBadRow ?? DEFAULT_BAD_ROW_POLICY;
  const name = `csv:${dir}`;
  return {
    kind: 'csv',
    dir,
    onBadRow,
    name,
    synthetic: false,
    defaultRange: () => ALL_DATES,
    async fetch(symbols: string[], range: DateRange, log: Logger): Promise<FetchResult> {
      const bars: DailyBar[] = [];
      const failures: SymbolFailure[] = [];
      const reports: CsvFileReport[] = [];
      let done = 0;
      const paths = await csvPaths(dir, symbols);
      for (const [k, symbol] of symbols.entries()) {
        done++;
        log.progress(`read ${done}/${symbols.length} ${symbol}`);
        const path = paths[k]!;
        const read = await readCsvBytes(path);
        const check = read.ok ? checkCsvBytes(path, read.bytes) : read;
        if (!read.ok || !check.ok) {
          failures.push({ symbol, reason: (check as { reason: string }).reason });
          continue;
        }
        const parsed = parseYahooCsv(symbol, read.bytes.toString('utf8'), range, path);
        if (!parsed.ok) {
          failures.push({ symbol, reason: parsed.reason });
          continue;
        }
        reports.push(parsed.report);
        if (parsed.bars.length === 0) failures.push({ symbol, reason: `${noBarsReason(range)} in ${path}` });
        for (const bar of parsed.bars) bars.push(bar);
      }
      judgeBadRows(name, reports, onBadRow, log);
      return {
        bars,
        failures,
        skippedRows: reports.reduce((n, r) => n + r.nullRows, 0),
        badRows: reports.reduce((n, r) => n + r.badRows, 0),
      };
    },
  };
}
