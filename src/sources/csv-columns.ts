import { type DateRange, MAX_PRICE } from '../domain/bar.ts';
import { dateKeyAt, NOT_A_DATE } from './csv-date.ts';

/**
 * A fast reader for the plain case of a Yahoo-format CSV: every data line `YYYY-MM-DD,o,h,l,c,a,v` with dates
 * strictly ascending, each cell digits with an optional fraction, empty or `null`, and every row a bar or a null row
 * by the rules of csv-rows.ts. Such a file is read straight into columns (no strings per cell); any other file
 * (a bad row, spaces, a sign or exponent, blank lines, rows out of order…) is refused as a whole and takes the
 * general path, which names what is wrong. So this reader never has to judge a row that is not plain: it either
 * agrees with csv-rows.ts on every line or declines the file.
 *
 * Values are those of a correctly rounded decimal-to-double conversion (JavaScript's `Number`, DuckDB's cast):
 * digits that fit in 53 bits with at most 22 decimals are one exact integer divided by an exact power of ten (one
 * rounding), anything longer goes through `Number`.
 */

/** Null cells of optional columns are NaN here (a plain cell never reads as NaN). */
export const NULL_VALUE = Number.NaN;

/** Rows `[0, length)` of parsed bars, one typed array per field; NaN marks a null cell (NULL_VALUE). */
export interface BarColumns {
  length: number;
  /** Days since 1970-01-01. */
  date: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  adjClose: Float64Array;
  volume: Float64Array;
}

/** Columns of parsed bars, grown as needed; `length` rows are in use. */
export class CsvColumns implements BarColumns {
  length = 0;
  date: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  adjClose: Float64Array;
  volume: Float64Array;

  constructor(capacity = 8192) {
    this.date = new Int32Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.adjClose = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.date.length;
  }

  /** Room for `more` rows past `length`. */
  reserve(more: number): void {
    const need = this.length + more;
    if (need <= this.capacity) return;
    let cap = this.capacity * 2;
    while (cap < need) cap *= 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.date = grow(this.date, (n) => new Int32Array(n));
    this.open = grow(this.open, (n) => new Float64Array(n));
    this.high = grow(this.high, (n) => new Float64Array(n));
    this.low = grow(this.low, (n) => new Float64Array(n));
    this.close = grow(this.close, (n) => new Float64Array(n));
    this.adjClose = grow(this.adjClose, (n) => new Float64Array(n));
    this.volume = grow(this.volume, (n) => new Float64Array(n));
  }

  /** Moves rows [from, length) to the front (what is left after the first `from` rows were handed on). */
  shift(from: number): void {
    for (const a of [this.date, this.open, this.high, this.low, this.close, this.adjClose, this.volume]) {
      a.copyWithin(0, from, this.length);
    }
    this.length -= from;
  }
}

/** What a plain file held: bars in range (appended to the columns), null rows, the span of all its bars. */
export interface PlainCsvCounts {
  bars: number;
  nullRows: number;
  first: string | null;
  last: string | null;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const N = 0x6e;
const U = 0x75;
const L = 0x6c;
const TWO_53 = 2 ** 53;
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Not a value: the cell is not plain (the file is refused). */
const NOT_PLAIN = -1;
/** The cell is empty or `null`. */
const NULL_CELL = -2;

/**
 * The days since 1970-01-01 of a civil date (proleptic Gregorian), for years ≥ 1. Howard Hinnant's
 * `days_from_civil`.
 */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days of an ISO date string (for the range bounds), or null. */
function isoDays(iso: string): number {
  const y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  const d = Number(iso.slice(8, 10));
  return daysFromCivil(y, m, d);
}

/**
 * Reads a plain file's rows into `out` (bars within `range`, in file order, which is date order) and returns its
 * counts, or returns null and leaves `out` as it was when the file is not plain. `bytes` must have passed
 * `checkCsvBytes` (src/sources/csv.ts): the first line is the header.
 */
export function readPlainCsv(bytes: Uint8Array, range: DateRange, out: CsvColumns): PlainCsvCounts | null {
  const start = out.length;
  const counts = read(bytes, range, out);
  if (counts === null) out.length = start;
  return counts;
}

/** Where the last cell read by `cell` ended (its comma, CR, newline or the end of the bytes). */
let cellEnd = 0;

/**
 * The value of the cell at `s`: a number, NULL_CELL or NOT_PLAIN; sets `cellEnd`. `bytes` ends in a newline, which
 * ends every cell, so no scan runs past the end (and none needs a bounds check per byte).
 */
function cell(bytes: Uint8Array, s: number): number {
  let p = s;
  let c = bytes[p]!;
  let m = 0;
  let digits = 0;
  while (c >= ZERO && c <= NINE) {
    m = m * 10 + (c - ZERO);
    digits++;
    c = bytes[++p]!;
  }
  let decimals = 0;
  if (c === DOT) {
    if (digits === 0) return NOT_PLAIN;
    c = bytes[++p]!;
    while (c >= ZERO && c <= NINE) {
      m = m * 10 + (c - ZERO);
      decimals++;
      c = bytes[++p]!;
    }
    if (decimals === 0) return NOT_PLAIN;
  } else if (digits === 0) {
    // Empty, or `null`.
    if (c === N && bytes[p + 1] === U && bytes[p + 2] === L && bytes[p + 3] === L) {
      p += 4;
      c = bytes[p]!;
    }
    if (c !== COMMA && c !== NEWLINE && c !== CR) return NOT_PLAIN;
    cellEnd = p;
    return NULL_CELL;
  }
  if (c !== COMMA && c !== NEWLINE && c !== CR) return NOT_PLAIN;
  cellEnd = p;
  // m is exact when below 2^53 (every step below it was exact); then one division rounds once, correctly.
  if (m < TWO_53 && decimals <= 22) return decimals === 0 ? m : m / POW10[decimals]!;
  let text = '';
  for (let i = s; i < p; i++) text += String.fromCharCode(bytes[i]!);
  const v = Number(text);
  return Number.isFinite(v) ? v : NOT_PLAIN;
}

/** The cell after the one `cell` just read, which must end in a comma. */
function nextCell(bytes: Uint8Array): number {
  return cellEnd < bytes.length && bytes[cellEnd] === COMMA ? cell(bytes, cellEnd + 1) : NOT_PLAIN;
}

function read(given: Uint8Array, range: DateRange, out: CsvColumns): PlainCsvCounts | null {
  // Ends in a newline, so no scan of a cell runs past the end (a newline ends every cell).
  const bytes =
    given.length > 0 && given[given.length - 1] !== NEWLINE
      ? Buffer.concat([given, Buffer.from('\n')])
      : given;
  const n = bytes.length;
  const from = isoDays(range.start);
  const to = isoDays(range.end);
  let pos = bytes.indexOf(NEWLINE) + 1;
  if (pos === 0) pos = n; // a header alone: no rows
  let prevKey = -1;
  let firstKey = -1;
  let lastKey = -1;
  let bars = 0;
  let nullRows = 0;
  while (pos < n) {
    const key = dateKeyAt(bytes, pos);
    if (key === NOT_A_DATE) return null;
    const year = Math.floor(key / 10000);
    const month = Math.floor(key / 100) % 100;
    const day = key % 100;
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
    if (key <= prevKey) return null;
    prevKey = key;
    const open = cell(bytes, pos + 11);
    if (open === NOT_PLAIN) return null;
    const high = nextCell(bytes);
    if (high === NOT_PLAIN) return null;
    const low = nextCell(bytes);
    if (low === NOT_PLAIN) return null;
    const close = nextCell(bytes);
    if (close === NOT_PLAIN) return null;
    const adj = nextCell(bytes);
    if (adj === NOT_PLAIN) return null;
    const volume = nextCell(bytes);
    if (volume === NOT_PLAIN) return null;
    // The line ends here: newline, CR newline, or the end of the bytes.
    let end = cellEnd;
    if (end < n && bytes[end] === CR) end++;
    if (end < n && bytes[end] !== NEWLINE) return null;
    if (close === NULL_CELL || adj === NULL_CELL) {
      nullRows++;
    } else {
      // A plain cell is ≥ 0: what is left to check is > 0 and the lake's range (csv-rows.ts `price`, `optional`).
      if (close <= 0 || close >= MAX_PRICE || adj <= 0 || adj >= MAX_PRICE) return null;
      if (open >= MAX_PRICE || high >= MAX_PRICE || low >= MAX_PRICE) return null;
      if (firstKey === -1) firstKey = key;
      lastKey = key;
      const days = daysFromCivil(year, month, day);
      if (days >= from && days <= to) {
        if (out.length === out.capacity) out.reserve(1);
        const i = out.length++;
        out.date[i] = days;
        out.open[i] = open === NULL_CELL ? NULL_VALUE : open;
        out.high[i] = high === NULL_CELL ? NULL_VALUE : high;
        out.low[i] = low === NULL_CELL ? NULL_VALUE : low;
        out.close[i] = close;
        out.adjClose[i] = adj;
        out.volume[i] = volume === NULL_CELL ? NULL_VALUE : volume;
        bars++;
      }
    }
    pos = end + 1;
  }
  return {
    bars,
    nullRows,
    first: firstKey === -1 ? null : keyText(firstKey),
    last: lastKey === -1 ? null : keyText(lastKey),
  };
}

function keyText(key: number): string {
  const y = Math.floor(key / 10000);
  const m = Math.floor(key / 100) % 100;
  const d = key % 100;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
