/**
 * The date at the start of a Yahoo CSV data line, read from its bytes: one check shared by the byte pass that
 * proves a file's dates ascend (csv.ts `datesAscending`) and the plain reader (csv-columns.ts), so the two agree
 * on what a date-shaped line start is. Small on purpose: V8 inlines it into both loops.
 */

const ZERO = 0x30;
const DASH = 0x2d;
const COMMA = 0x2c;

/** Not a `YYYY-MM-DD,` line start. */
export const NOT_A_DATE = -1;

/**
 * `YYYYMMDD` as a number when `bytes` holds `YYYY-MM-DD,` (ten ASCII digits and dashes, then a comma) at `pos`,
 * else NOT_A_DATE. Keys compare as the dates do; the calendar (month 1–12, day within the month) is not checked.
 */
export function dateKeyAt(bytes: Uint8Array, pos: number): number {
  if (
    pos + 11 > bytes.length ||
    bytes[pos + 4] !== DASH ||
    bytes[pos + 7] !== DASH ||
    bytes[pos + 10] !== COMMA
  ) {
    return NOT_A_DATE;
  }
  const y0 = bytes[pos]! - ZERO;
  const y1 = bytes[pos + 1]! - ZERO;
  const y2 = bytes[pos + 2]! - ZERO;
  const y3 = bytes[pos + 3]! - ZERO;
  const m0 = bytes[pos + 5]! - ZERO;
  const m1 = bytes[pos + 6]! - ZERO;
  const d0 = bytes[pos + 8]! - ZERO;
  const d1 = bytes[pos + 9]! - ZERO;
  // `>>> 0` turns a byte below '0' into a huge number: one comparison per digit.
  if (
    y0 >>> 0 > 9 ||
    y1 >>> 0 > 9 ||
    y2 >>> 0 > 9 ||
    y3 >>> 0 > 9 ||
    m0 >>> 0 > 9 ||
    m1 >>> 0 > 9 ||
    d0 >>> 0 > 9 ||
    d1 >>> 0 > 9
  ) {
    return NOT_A_DATE;
  }
  return ((((((y0 * 10 + y1) * 10 + y2) * 10 + y3) * 10 + m0) * 10 + m1) * 10 + d0) * 10 + d1;
}
