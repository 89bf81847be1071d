import { FEATURES_LOOKBACK_BARS } from './incremental-plan.ts';

/**
 * sql/features.sql's window values (its subquery `w`: prev_adj_close, bar_index, sum50, sum200, max252, min252) in
 * one pass over bars grouped by symbol and in date order: running sums and monotonic queues, O(1) per bar, where an
 * engine's framed aggregates re-scan or tree-search every frame. Pure: typed arrays in, typed arrays out, so the
 * embedded engine can feed it from a scan and stream its output into the rest of features.sql
 * (src/engines/duckdb/window-scan-source.ts).
 *
 * Exact, like the SQL's DECIMAL(18,6): prices come in as integer micro-units (the engine's own CAST to
 * DECIMAL(18,6)), and every sum stays an integer below 2^53 while |micro-units| ≤ MAX_EXACT_MICROS (a price under
 * ~45 M); the caller runs features.sql as written for anything else (exactMicros).
 */

/** The frames of features.sql: SUM over the last 50 / 200 bars (today included), MAX / MIN over the 252 before. */
export const SUM_SHORT_BARS = 50;
export const SUM_LONG_BARS = 200;
export const HIGH_LOW_BARS = FEATURES_LOOKBACK_BARS;

/** Largest |price| in micro-units whose SUM_LONG_BARS-bar sums stay exact integers in a double. */
export const MAX_EXACT_MICROS = Math.floor(Number.MAX_SAFE_INTEGER / SUM_LONG_BARS);

/** The bars, grouped by symbol (each symbol's bars contiguous) and by date within a symbol. */
export interface ScanBars {
  length: number;
  /** The symbol's code (any integer naming it). */
  symbol: Int32Array;
  /** Days since the epoch. */
  day: Int32Array;
  adjClose: Float64Array;
  /** adj_close as DECIMAL(18,6), in integer micro-units. */
  micros: Float64Array;
}

/**
 * Why the bars cannot take the scan (a symbol's bars split in two runs, a date repeated or out of order, a price
 * too large to sum exactly), or null when they can. One pass.
 */
export function scanRefusal(bars: ScanBars, symbols: number): string | null {
  const seen = new Uint8Array(symbols);
  for (let i = 0; i < bars.length; i++) {
    const m = bars.micros[i]!;
    if (!(Math.abs(m) <= MAX_EXACT_MICROS)) return `a price of ${m / 1e6} is past the exact sums' range`;
    const s = bars.symbol[i]!;
    if (i > 0 && s === bars.symbol[i - 1]) {
      if (bars.day[i]! <= bars.day[i - 1]!) return 'the bars are not in date order within a symbol';
      continue;
    }
    if (s < 0 || s >= symbols) return `symbol code ${s} is out of range`;
    if (seen[s]) return 'a symbol’s bars are not contiguous';
    seen[s] = 1;
  }
  return null;
}

/** One block of window values, rows in input order. NaN = NULL. */
export interface WindowBlock {
  prevAdjClose: Float64Array;
  barIndex: Int32Array;
  sum50: Float64Array;
  sum200: Float64Array;
  max252: Float64Array;
  min252: Float64Array;
}

export function windowBlock(size: number): WindowBlock {
  return {
    prevAdjClose: new Float64Array(size),
    barIndex: new Int32Array(size),
    sum50: new Float64Array(size),
    sum200: new Float64Array(size),
    max252: new Float64Array(size),
    min252: new Float64Array(size),
  };
}

/** A ring of bar positions whose prices are monotonic from head to tail (the head is the frame's MAX or MIN). */
class MonotonicQueue {
  private readonly pos = new Int32Array(HIGH_LOW_BARS + 1);
  private head = 0;
  private size = 0;

  private readonly micros: Float64Array;
  /** +1: the head is the maximum; -1: the minimum. */
  private readonly sign: 1 | -1;

  constructor(micros: Float64Array, sign: 1 | -1) {
    this.micros = micros;
    this.sign = sign;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  /** The extreme over positions ≥ from, or NaN when none is queued. */
  extremeFrom(from: number): number {
    const cap = this.pos.length;
    while (this.size > 0 && this.pos[this.head]! < from) {
      this.head = (this.head + 1) % cap;
      this.size--;
    }
    return this.size > 0 ? this.micros[this.pos[this.head]!]! : Number.NaN;
  }

  push(at: number): void {
    const cap = this.pos.length;
    const v = this.micros[at]! * this.sign;
    // Ties leave: the later bar holds the same value for longer.
    while (this.size > 0 && this.micros[this.pos[(this.head + this.size - 1) % cap]!]! * this.sign <= v)
      this.size--;
    this.pos[(this.head + this.size) % cap] = at;
    this.size++;
  }
}

/**
 * Walks the bars in order, a block at a time, carrying each symbol's state across blocks: the caller may cut the
 * rows anywhere. The bars must pass scanRefusal.
 */
export class WindowScan {
  private at = 0;
  private symbolStart = 0;
  private sum50 = 0;
  private sum200 = 0;
  private readonly bars: ScanBars;
  private readonly highs: MonotonicQueue;
  private readonly lows: MonotonicQueue;

  constructor(bars: ScanBars) {
    this.bars = bars;
    this.highs = new MonotonicQueue(bars.micros, 1);
    this.lows = new MonotonicQueue(bars.micros, -1);
  }

  /** The next row to scan (= rows scanned so far). */
  get position(): number {
    return this.at;
  }

  /** Fills `out` with the next `size` rows' window values (fewer at the end); returns how many. */
  next(size: number, out: WindowBlock): number {
    const { symbol, adjClose, micros } = this.bars;
    const n = Math.min(size, this.bars.length - this.at);
    for (let r = 0; r < n; r++) {
      const i = this.at + r;
      if (i === 0 || symbol[i] !== symbol[i - 1]) {
        this.symbolStart = i;
        this.sum50 = 0;
        this.sum200 = 0;
        this.highs.clear();
        this.lows.clear();
      }
      const k = i - this.symbolStart;
      const v = micros[i]!;
      out.barIndex[r] = k + 1;
      out.prevAdjClose[r] = k === 0 ? Number.NaN : adjClose[i - 1]!;
      this.sum50 += v;
      if (k >= SUM_SHORT_BARS) this.sum50 -= micros[i - SUM_SHORT_BARS]!;
      this.sum200 += v;
      if (k >= SUM_LONG_BARS) this.sum200 -= micros[i - SUM_LONG_BARS]!;
      out.sum50[r] = this.sum50;
      out.sum200[r] = this.sum200;
      // The 252 bars before today: positions i-252 … i-1 of this symbol.
      const from = Math.max(this.symbolStart, i - HIGH_LOW_BARS);
      out.max252[r] = this.highs.extremeFrom(from);
      out.min252[r] = this.lows.extremeFrom(from);
      this.highs.push(i);
      this.lows.push(i);
    }
    this.at += n;
    return n;
  }
}
